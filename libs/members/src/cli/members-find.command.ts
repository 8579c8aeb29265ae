import { Command, CommandRunner, Option } from 'nest-commander';
import type { Principal } from '@aero/auth';
import { cliExamples, formatTable, printResult } from '@aero/core';
import type { MemberResponseDto } from '../dto/member-response.dto';
import { MembersService } from '../members.service';

/** The CLI acts as an operator with full access. */
const OPERATOR: Principal = { kind: 'user', id: 'cli', roles: ['admin'], scopes: [] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

cliExamples('members:find', 'aero members:find singh', 'aero members:find maya.singh@example.com --json', 'aero members:find "singh m" --limit 50');

@Command({
  name: 'members:find',
  arguments: '<query>',
  description: 'Find members by the start of a name ("last first"), an email, or an id',
})
export class MembersFindCommand extends CommandRunner {
  constructor(private readonly members: MembersService) {
    super();
  }

  async run([query]: string[], options: { limit?: number; json?: boolean }): Promise<void> {
    const text = query.trim();
    if (text.length === 0) throw new Error('<query> must not be empty');
    const found: MemberResponseDto[] = UUID.test(text)
      ? [(await this.members.get(OPERATOR, text)).member]
      : (await this.members.list(OPERATOR, { search: text, limit: options.limit ?? 20 })).data;
    printResult(found, options.json, () =>
      formatTable(
        [
          { header: 'ID', value: (m: MemberResponseDto) => m.id },
          { header: 'NAME', value: (m) => `${m.lastName}, ${m.firstName}` },
          { header: 'BORN', value: (m) => m.dateOfBirth },
          { header: 'EMAIL', value: (m) => m.email },
          { header: 'PHONE', value: (m) => m.phone },
          { header: 'WAIVER', value: (m) => (m.waiverValid ? `until ${m.waiverValidUntil?.slice(0, 10)}` : 'none') },
          { header: 'MEMBERSHIP', value: (m) => m.membership.status },
        ],
        found,
        `No member matches "${text}".`,
      ),
    );
  }

  @Option({ flags: '--limit <n>', description: 'most results, 1–100 (default 20)' })
  parseLimit(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('--limit must be a whole number 1–100');
    return n;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}
