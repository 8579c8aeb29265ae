import type { TestApp } from '@aero/testing';
import { createTestApp } from '@aero/testing';

// The suite runs on engines its authors cannot run here (SQL Server after each release). When a request
// fails because the database refused a statement, the failing test must say what the database said.
describe('e2e harness diagnostics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ skipContractCheck: true });
    // A leaf table (nothing references it) that POST /v1/auth/refresh reads.
    await t.dataSource.query('DROP TABLE refresh_tokens');
  });
  afterAll(async () => {
    await t.close();
  });

  it("a 500 caused by a failed statement fails the test with the database's error and the statement", async () => {
    const error = await t.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: 'not-a-real-token' })
      .expect(401)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(/^POST \/v1\/auth\/refresh answered 500 after the database refused a statement:/);
    expect(error?.message).toMatch(/refresh_tokens/);
    expect(error?.message).toMatch(/\n {6}in: SELECT /);
    // Never the statement's parameters: they can carry secrets (here the presented token's hash).
    expect(error?.message).not.toContain('not-a-real-token');
  });
});
