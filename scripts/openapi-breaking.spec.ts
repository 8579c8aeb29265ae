const { breakingChanges } = require('./openapi-breaking') as {
  breakingChanges: (base: object, next: object) => Promise<{ breaking: { code: string; where: string }[] }>;
};

/** A one-operation contract: GET /v1/things?limit → { id, name }. */
function contract(change: (doc: Record<string, any>) => void = () => undefined): object {
  const doc: Record<string, any> = {
    openapi: '3.0.0',
    info: { title: 't', version: '1.0.0' },
    paths: {
      '/v1/things': {
        get: {
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'ok',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'name'],
                    properties: { id: { type: 'string' }, name: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
  change(doc);
  return doc;
}

describe('the breaking-change check (openapi-diff)', () => {
  it('accepts additive changes: a new optional parameter and a new operation', async () => {
    const next = contract((doc) => {
      doc.paths['/v1/things'].get.parameters.push({ name: 'cursor', in: 'query', required: false, schema: { type: 'string' } });
      doc.paths['/v1/other'] = { get: { responses: { '200': { description: 'ok' } } } };
    });
    expect((await breakingChanges(contract(), next)).breaking).toEqual([]);
  });

  it('flags a removed operation', async () => {
    const next = contract((doc) => {
      doc.paths = { '/v1/renamed': doc.paths['/v1/things'] };
    });
    const { breaking } = await breakingChanges(contract(), next);
    expect(breaking.map((b) => b.code)).toContain('path.remove');
  });

  it('flags a response field clients rely on that is no longer promised', async () => {
    const next = contract((doc) => {
      const schema = doc.paths['/v1/things'].get.responses['200'].content['application/json'].schema;
      schema.required = ['id'];
      delete schema.properties.name;
    });
    const { breaking } = await breakingChanges(contract(), next);
    expect(breaking.length).toBeGreaterThan(0);
  });

  describe('request bodies (closed: the API refuses unknown fields)', () => {
    /** POST /v1/things with a body schema `ThingCreate { name, tags? }` in components. */
    const withBody = (change: (doc: Record<string, any>) => void = () => undefined) =>
      contract((doc) => {
        doc.components = {
          schemas: {
            ThingCreate: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
            },
          },
        };
        doc.paths['/v1/things'].post = {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingCreate' } } },
          },
          responses: { '201': { description: 'created' } },
        };
        change(doc);
      });

    it('accepts a new optional field with limits', async () => {
      const next = withBody((doc) => {
        doc.components.schemas.ThingCreate.properties.maxOpen = { type: 'integer', minimum: 1, maximum: 100, nullable: true };
      });
      expect((await breakingChanges(withBody(), next)).breaking).toEqual([]);
    });

    it('still flags a new required field', async () => {
      const next = withBody((doc) => {
        doc.components.schemas.ThingCreate.properties.venueId = { type: 'string' };
        doc.components.schemas.ThingCreate.required.push('venueId');
      });
      expect((await breakingChanges(withBody(), next)).breaking.length).toBeGreaterThan(0);
    });
  });
});
