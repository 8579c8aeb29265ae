import { Controller, Get } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Deprecated } from '@aero/core';
import { buildOpenApiDocument } from './openapi';

/** A test-only controller: one operation on its way out, one that is not. */
@Controller('v1/legacy-things')
class LegacyThingsController {
  @Get()
  @ApiOperation({ summary: 'List things the old way' })
  @ApiOkResponse({ description: 'The things' })
  @Deprecated({ since: '2026-12-01', sunset: '2027-06-30', link: 'https://docs.example.test/migrate/things' })
  list(): { data: string[] } {
    return { data: ['a'] };
  }

  @Get('current')
  @ApiOkResponse({ description: 'The things' })
  current(): { data: string[] } {
    return { data: ['a'] };
  }
}

describe('@Deprecated', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [LegacyThingsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends Deprecation (RFC 9745), Sunset (RFC 8594) and a deprecation Link on the deprecated operation only', async () => {
    const res = await request(app.getHttpServer()).get('/v1/legacy-things').expect(200);
    expect(res.headers.deprecation).toBe(`@${Date.UTC(2026, 11, 1) / 1000}`);
    expect(res.headers.sunset).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
    expect(res.headers.link).toBe('<https://docs.example.test/migrate/things>; rel="deprecation"');
    const current = await request(app.getHttpServer()).get('/v1/legacy-things/current').expect(200);
    expect(current.headers.deprecation).toBeUndefined();
    expect(current.headers.sunset).toBeUndefined();
  });

  it('marks the operation deprecated in the OpenAPI document, with the dates and the headers', () => {
    const doc = buildOpenApiDocument(app);
    const operation = doc.paths['/v1/legacy-things'].get;
    expect(operation?.deprecated).toBe(true);
    expect(operation?.description).toContain('**Deprecated** since 2026-12-01; stops working on 2027-06-30');
    expect(Object.keys((operation?.responses['200'] as { headers: object }).headers)).toEqual(
      expect.arrayContaining(['Deprecation', 'Sunset', 'Link']),
    );
    expect(doc.paths['/v1/legacy-things/current'].get?.deprecated).toBeUndefined();
  });

  it('refuses a sunset that does not come after the deprecation', () => {
    expect(() => Deprecated({ since: '2027-01-01', sunset: '2026-01-01', link: '/docs' })).toThrow('sunset must come after since');
  });
});
