// Removes stale build output so a renamed source file never survives in dist/.
require('node:fs').rmSync(require('node:path').join(__dirname, '..', 'dist'), { recursive: true, force: true });
