import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { TransactionService, unstorableStringProblem, validateInput } from '@aero/core';
import { parseCsv } from './cli/csv';
import { MemberCreateDto } from './dto/member-create.dto';
import { ageOn, MembersService } from './members.service';

export const MEMBER_CSV_COLUMNS = [
  'firstName',
  'lastName',
  'dateOfBirth',
  'email',
  'phone',
  'guardianEmail',
] as const;
const REQUIRED_COLUMNS = ['firstName', 'lastName', 'dateOfBirth'];

export interface ImportProblem {
  /** 1-based line in the file. */
  line: number;
  reason: string;
}

export interface ImportResult {
  /** Valid rows found. */
  valid: number;
  /** Members created (0 on a dry run or when any row is bad). */
  imported: number;
  errors: ImportProblem[];
  dryRun: boolean;
}

interface PlannedRow {
  line: number;
  dto: MemberCreateDto;
  guardianEmail?: string;
}

/**
 * Bulk import from CSV (`firstName,lastName,dateOfBirth,email,phone,guardianEmail`): every row is validated
 * first; any bad row means nothing is imported. Guardians are referenced by email, in the file or already
 * registered.
 */
@Injectable()
export class MembersImportService {
  constructor(
    private readonly members: MembersService,
    private readonly tx: TransactionService,
  ) {}

  async importCsv(principal: Principal, text: string, dryRun: boolean): Promise<ImportResult> {
    const { header, records, errors } = parseCsv(text);
    const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
    const unknown = header.filter((c) => !(MEMBER_CSV_COLUMNS as readonly string[]).includes(c));
    if (missing.length || unknown.length) {
      const reasons = [
        ...missing.map((c) => `missing column ${c}`),
        ...unknown.map((c) => `unknown column ${c} (allowed: ${MEMBER_CSV_COLUMNS.join(', ')})`),
      ];
      return { valid: 0, imported: 0, errors: [{ line: 1, reason: reasons.join('; ') }], dryRun };
    }
    const planned: PlannedRow[] = [];
    const emailsInFile = new Map<string, PlannedRow>();
    for (const record of records) {
      const v = record.values;
      const plain: Record<string, string> = {
        firstName: v.firstName,
        lastName: v.lastName,
        dateOfBirth: v.dateOfBirth,
      };
      if (v.email) plain.email = v.email;
      if (v.phone) plain.phone = v.phone;
      // The same rules as the API (no NUL or lone surrogate, real dates), not only the DTO's own.
      const { value: dto, errors: fieldErrors } = await validateInput(MemberCreateDto, plain);
      const guardianProblem = v.guardianEmail ? unstorableStringProblem(v.guardianEmail) : undefined;
      if (guardianProblem) fieldErrors.push({ field: 'guardianEmail', message: guardianProblem });
      if (!dto || guardianProblem) {
        errors.push({
          line: record.line,
          reason: fieldErrors.map((e) => `${e.field} ${e.message}`).join('; '),
        });
        continue;
      }
      const row: PlannedRow = {
        line: record.line,
        dto,
        guardianEmail: v.guardianEmail?.toLowerCase() || undefined,
      };
      const email = dto.email?.toLowerCase();
      if (email) {
        const earlier = emailsInFile.get(email);
        if (earlier) {
          errors.push({ line: record.line, reason: `email ${dto.email} repeats line ${earlier.line}` });
          continue;
        }
        if (await this.members.findIdByEmail(email)) {
          errors.push({ line: record.line, reason: `email ${dto.email} belongs to an existing member` });
          continue;
        }
        emailsInFile.set(email, row);
      }
      planned.push(row);
    }
    const today = new Date().toISOString().slice(0, 10);
    for (const row of planned) {
      if (!row.guardianEmail) continue;
      if (ageOn(row.dto.dateOfBirth, today) >= 18) {
        errors.push({ line: row.line, reason: 'only minors have a guardian' });
        continue;
      }
      const inFile = emailsInFile.get(row.guardianEmail);
      if (inFile) {
        if (inFile.guardianEmail || ageOn(inFile.dto.dateOfBirth, today) < 18) {
          errors.push({
            line: row.line,
            reason: `guardian ${row.guardianEmail} (line ${inFile.line}) must be an adult without a guardian`,
          });
        }
      } else if (!(await this.members.findIdByEmail(row.guardianEmail))) {
        errors.push({
          line: row.line,
          reason: `guardian ${row.guardianEmail} is neither in the file nor a member`,
        });
      }
    }
    errors.sort((a, b) => a.line - b.line);
    if (errors.length > 0 || dryRun) return { valid: planned.length, imported: 0, errors, dryRun };

    // All or nothing: one transaction; guardians first so dependants can point at them.
    const ordered = [...planned].sort(
      (a, b) => Number(Boolean(a.guardianEmail)) - Number(Boolean(b.guardianEmail)),
    );
    await this.tx.run(async () => {
      for (const row of ordered) {
        const guardianId = row.guardianEmail ? await this.members.findIdByEmail(row.guardianEmail) : null;
        await this.members.create(principal, Object.assign(row.dto, guardianId ? { guardianId } : {}));
      }
    });
    return { valid: planned.length, imported: planned.length, errors: [], dryRun };
  }
}
