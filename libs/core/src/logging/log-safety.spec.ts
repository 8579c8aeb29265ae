import { redactUrl, serializeError } from './log-safety';

describe('redactUrl', () => {
  it('leaves a URL without a query untouched', () => {
    expect(redactUrl('/v1/members/abc')).toBe('/v1/members/abc');
  });

  it('redacts credential-like parameters, whatever their case or separator, and keeps the rest', () => {
    expect(
      redactUrl('/v1/x?apiKey=a1&X-Api-Key=a2&token=t&refresh_token=r&client_secret=s&sig=g&cursor=c&limit=5'),
    ).toBe(
      '/v1/x?apiKey=[redacted]&X-Api-Key=[redacted]&token=[redacted]&refresh_token=[redacted]&client_secret=[redacted]&sig=[redacted]&cursor=c&limit=5',
    );
  });

  it('judges percent-encoded names by what they decode to', () => {
    expect(redactUrl('/x?%61pi_key=secret&q=%ZZ')).toBe('/x?%61pi_key=[redacted]&q=%ZZ');
  });

  it('does not mistake names that merely contain a credential word', () => {
    expect(redactUrl('/x?monkey=1&keyset=2&tokenizer=3')).toBe('/x?monkey=1&keyset=2&tokenizer=3');
  });
});

describe('serializeError', () => {
  it('cuts row contents quoted by SQL Server out of the message and the stack', () => {
    const error = new Error(
      "Violation of UNIQUE KEY constraint 'UQ_members_email'. Cannot insert duplicate key in object 'dbo.members'. The duplicate key value is (ada@example.com).",
    );
    const safe = serializeError(error);
    expect(safe.message).toContain("Violation of UNIQUE KEY constraint 'UQ_members_email'");
    expect(JSON.stringify(safe)).not.toContain('ada@example.com');
  });

  it('keeps a cause, serialized by the same rules', () => {
    const error = new Error('outer', {
      cause: Object.assign(new Error('inner'), { parameters: ['secret-param'], code: 'E1' }),
    });
    const safe = serializeError(error);
    expect(safe.cause).toMatchObject({ message: 'inner', code: 'E1' });
    expect(JSON.stringify(safe)).not.toContain('secret-param');
  });
});
