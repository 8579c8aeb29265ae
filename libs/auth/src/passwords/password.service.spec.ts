import { PasswordService } from './password.service';

describe('PasswordService policy', () => {
  const passwords = new PasswordService();

  it.each([
    ['short', 'must be at least 8 characters'],
    ['x'.repeat(129), 'must be at most 128 characters'],
    ['Password123', 'is too common; choose a less guessable password'],
    ['qwertyuiop', 'is too common; choose a less guessable password'],
  ])('rejects %s', (password, message) => {
    expect(passwords.policyProblems(password)).toContain(message);
  });

  it('accepts 8 and 128 characters, counting code points, with no composition rules', () => {
    expect(passwords.policyProblems('correct horse battery staple')).toEqual([]);
    expect(passwords.policyProblems('abcdefgz')).toEqual([]);
    expect(passwords.policyProblems('é'.repeat(128))).toEqual([]);
    expect(passwords.policyProblems('🦘🦘🦘🦘🦘🦘🦘')).toEqual(['must be at least 8 characters']);
  });

  it('rejects the email address as password', () => {
    expect(passwords.policyProblems('Jo@Example.test', 'jo@example.test')).toContain('must not be the email address');
  });

  it('hashes with Argon2id at the OWASP parameters and verifies', async () => {
    const hash = await passwords.hash('a fine passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await passwords.verify(hash, 'a fine passphrase')).toBe(true);
    expect(await passwords.verify(hash, 'a fine passphrasf')).toBe(false);
    expect(await passwords.verify('not-a-hash', 'x')).toBe(false);
  });
});
