#!/usr/bin/env node
// Seeds the benchmark database through the application's own services (the built CLI's container): venues,
// a month of sessions, API keys, users and bookings go through the same code the API runs; members, the one
// bulk set, are inserted in batches of 500 rows per statement through TypeORM with the app's entity, built
// as MembersService builds them. Prints one JSON object with what the scenarios need (ids, keys, password)
// on stdout. Run by bench/run.js with the same environment as the server.
'use strict';
require('reflect-metadata');
const { randomUUID, randomBytes } = require('node:crypto');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist/apps/cli');
const { NestFactory } = require('@nestjs/core');
const { DataSource } = require('typeorm');
const { loadConfig } = require(join(dist, 'libs/core/src'));
const { CliModule } = require(join(dist, 'apps/cli/src/cli.module'));
const { ApiKeysService } = require(join(dist, 'libs/api-keys/src'));
const { UsersService } = require(join(dist, 'libs/auth/src'));
const { VenuesService, SessionsService, BookingsService, addDays, localDate } = require(join(dist, 'libs/bookings/src'));
const { MemberEntity } = require(join(dist, 'libs/members/src/member.entity'));

const OPERATOR = { kind: 'user', id: 'bench-seed', roles: ['admin'], scopes: [] };
const FIRST = ['Maya', 'Liam', 'Noah', 'Olivia', 'Emma', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Zoe', 'Arjun', 'Chloe', 'Omar', 'Lea', 'Hugo', 'Aiko', 'Sofia', 'Mateo', 'Nora', 'Ivan'];
const LAST = ['Singh', 'Martin', 'Tremblay', 'Roy', 'Gagnon', 'Lee', 'Wilson', 'Johnson', 'MacDonald', 'Taylor', 'Brown', 'Campbell', 'Anderson', 'Smith', 'Wong', 'Patel', 'Nguyen', 'Kim', 'Garcia', 'Cohen', 'Dubois', 'Muller', 'Rossi', 'Silva', 'Kowalski'];
const VENUES = [
  ['Bench Park Toronto', 'America/Toronto'],
  ['Bench Park Vancouver', 'America/Vancouver'],
  ['Bench Park Halifax', 'America/Halifax'],
];
/** 20 sessions a day per venue: every half hour from 09:00 to 18:30, venue-local. */
const TIMES = Array.from({ length: 20 }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`);

async function main() {
  const memberCount = Number(process.argv[2] ?? 100000);
  const days = Number(process.argv[3] ?? 30);
  const bookingCount = Number(process.argv[4] ?? 2000);
  const extraKeys = Number(process.argv[5] ?? 50);
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const dataSource = app.get(DataSource);
    // Seeding is not what is measured: on SQLite skip the fsync per commit (the server reopens the file
    // with the default, durable setting).
    if (config.db.type === 'sqlite') await dataSource.query('PRAGMA synchronous = OFF');
    const keys = app.get(ApiKeysService);
    const users = app.get(UsersService);
    const venues = app.get(VenuesService);
    const sessions = app.get(SessionsService);
    const bookings = app.get(BookingsService);

    // Members: a realistic spread of names (search finds many), every tenth without an email.
    const now = new Date();
    const memberIds = [];
    for (let start = 0; start < memberCount; start += 500) {
      const batch = [];
      for (let i = start; i < Math.min(memberCount, start + 500); i++) {
        const firstName = FIRST[i % FIRST.length];
        const lastName = `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i >= FIRST.length * LAST.length ? ` ${Math.floor(i / (FIRST.length * LAST.length))}` : ''}`;
        const email = i % 10 === 9 ? null : `${firstName}.${lastName.replace(/ /g, '')}.${i}@bench.example.com`;
        const id = randomUUID();
        memberIds.push(id);
        batch.push(
          Object.assign(new MemberEntity(), {
            id,
            firstName,
            lastName,
            firstNameKey: firstName.toLowerCase(),
            sortKey: `${lastName} ${firstName}`.toLowerCase(),
            dateOfBirth: `${1960 + (i % 45)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
            email,
            emailNormalized: email ? email.toLowerCase() : null,
            phone: null,
            guardianId: null,
            membershipPlan: null,
            membershipStatus: null,
            membershipValidUntil: null,
            waiverValidUntil: null,
            version: 1,
            createdAt: now,
            updatedAt: now,
            deletedAt: null,
          }),
        );
      }
      // 500 rows × 17 columns stays under SQL Server's 2,100-parameter limit when split in two.
      await dataSource.transaction(async (manager) => {
        for (let j = 0; j < batch.length; j += 100) {
          await manager.createQueryBuilder().insert().into(MemberEntity).values(batch.slice(j, j + 100)).execute();
        }
      });
    }

    // Venues and a month of sessions, scheduled in each venue's local time by the CLI's own service.
    const venueIds = [];
    const sessionIds = [];
    let firstDay;
    for (const [name, timeZone] of VENUES) {
      const venue = await venues.create(OPERATOR, { name, timeZone });
      venueIds.push(venue.id);
      const from = addDays(localDate(now, timeZone), 1);
      firstDay ??= from;
      const result = await sessions.schedule(OPERATOR, {
        venueId: venue.id,
        activity: 'Open Jump',
        from,
        to: addDays(from, days - 1),
        times: TIMES,
        durationMinutes: 60,
        capacity: 200,
      });
      sessionIds.push(...result.sessionIds);
    }

    // Bookings spread over members and sessions.
    for (let i = 0; i < bookingCount; i++) {
      await bookings.create(OPERATOR, {
        sessionId: sessionIds[(i * 7) % sessionIds.length],
        memberId: memberIds[(i * 13) % memberIds.length],
        quantity: 1 + (i % 3),
      });
    }

    // Keys: the two the scenarios use, and others so the key table is not a single row.
    const kiosk = await keys.create(
      { name: 'bench kiosk', app: 'kiosk', scopes: ['members:read', 'bookings:read', 'bookings:write', 'venues:read'] },
      'bench-seed',
    );
    const admin = await keys.create({ name: 'bench admin', app: 'internal', scopes: ['admin'] }, 'bench-seed');
    for (let i = 0; i < extraKeys; i++) {
      await keys.create({ name: `partner ${i}`, app: 'partner', scopes: ['venues:read'] }, 'bench-seed');
    }
    const password = randomBytes(12).toString('base64url');
    await users.create({ email: 'bench-staff@bench.example.com', password, roles: ['staff'] });
    for (let i = 0; i < 5; i++) {
      await users.create({ email: `bench-user-${i}@bench.example.com`, password: randomBytes(12).toString('base64url'), roles: ['staff'] });
    }

    process.stdout.write(
      `${JSON.stringify({
        kioskKey: kiosk.key,
        kioskKeyId: kiosk.id,
        adminKey: admin.key,
        staff: { email: 'bench-staff@bench.example.com', password },
        venueIds,
        firstDay,
        sessionIds,
        memberIds,
        counts: { members: memberCount, sessions: sessionIds.length, bookings: bookingCount, apiKeys: extraKeys + 2, users: 6 },
      })}\n`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(`seed failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
