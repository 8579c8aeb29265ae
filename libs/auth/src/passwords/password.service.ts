import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { ValidationProblem } from '@aero/core';
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** OWASP Password Storage Cheat Sheet: Argon2id, m = 19 MiB, t = 2, p = 1. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Password policy and hashing. Passwords never leave this class except as Argon2id hashes. */
@Injectable()
export class PasswordService {
  /** A hash of a random string, verified against when the email is unknown so timing reveals nothing. */
  private dummyHash?: Promise<string>;

  /** Problems with a candidate password, or an empty list (length by code points, no composition rules). */
  policyProblems(password: string, email?: string): string[] {
    const length = [...password].length;
    const problems: string[] = [];
    if (length < PASSWORD_MIN_LENGTH) problems.push(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
    if (length > PASSWORD_MAX_LENGTH) problems.push(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
    const lower = password.toLowerCase();
    if (COMMON_PASSWORDS.has(lower)) problems.push('is too common; choose a less guessable password');
    if (email && lower === email.toLowerCase()) problems.push('must not be the email address');
    return problems;
  }

  /** Throws a 400 validation problem naming `field` when the password breaks the policy. */
  assertAcceptable(password: string, email?: string, field = 'password'): void {
    const problems = this.policyProblems(password, email);
    if (problems.length > 0) throw new ValidationProblem(problems.map((message) => ({ field, message })));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the same time as a real verification, for unknown accounts. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}`);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
