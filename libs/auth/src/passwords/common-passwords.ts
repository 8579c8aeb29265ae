/**
 * The most common passwords of public breach corpora that pass the 8-character minimum
 * (SecLists / NCSC top lists). Compared case-insensitively. Short on purpose: it stops the obvious.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '123123123', '12341234', '11111111', '00000000', '87654321',
  '99999999', '88888888', '55555555', '66666666', '77777777', '22222222', '33333333', '44444444',
  'password', 'password1', 'password12', 'password123', 'password!', 'passw0rd', 'p@ssw0rd', 'p@ssword',
  'qwertyui', 'qwertyuiop', 'qwerty123', 'qwerty12', '1q2w3e4r', '1q2w3e4r5t', 'zaq12wsx', '1qaz2wsx',
  'asdfghjk', 'asdfghjkl', 'zxcvbnm1', 'iloveyou', 'iloveyou1', 'sunshine', 'princess', 'football',
  'baseball', 'superman', 'trustno1', 'welcome1', 'welcome123', 'letmein1', 'abc12345', 'abcd1234',
  'abcdefgh', 'aa123456', 'admin123', 'administrator', 'changeme', 'changeme1', 'starwars', 'whatever',
  'dragon12', 'monkey12', 'michael1', 'jennifer', 'computer', 'internet', 'mustang1', 'shadow12',
  'master12', 'killer12', 'pokemon1', 'charlie1', 'jordan23', 'liverpool', 'chelsea1', 'arsenal1',
  'samsung1', 'q1w2e3r4', 'q1w2e3r4t5', 'qazwsxedc', 'passpass', 'test1234', 'testtest', 'secret12',
  'default1', 'letmein123', 'welcome!', 'summer2024', 'summer2025', 'summer2026', 'winter2025', 'spring2026',
  'aerosports', 'aerosports1', 'trampoline', 'trampoline1',
]);
