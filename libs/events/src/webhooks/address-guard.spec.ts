import type { LookupAddress } from 'node:dns';
import { guardedLookup, isBlockedAddress, webhookUrlProblem } from './address-guard';
import type { LookupFunction } from './address-guard';

describe('webhook address guard', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '[::1]', 'not-an-ip',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  const production = { requireHttps: true, allowPrivate: false };

  it.each([
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://10.0.0.1/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://[::1]/hook', 'loopback'],
    ['https://0x7f.1/hook', 'loopback'],
    ['https://localhost/hook', 'local'],
    ['http://hooks.example.com/x', 'https'],
    ['https://user:pw@hooks.example.com/x', 'credentials'],
    ['ftp://hooks.example.com/x', 'https'],
    ['not a url', 'absolute'],
  ])('refuses %s in production (%s)', (url, why) => {
    expect(webhookUrlProblem(url, production)).toContain(why);
  });

  it('accepts a public https URL in production, and loopback http only when private targets are allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/aero', production)).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', { requireHttps: false, allowPrivate: true })).toBeNull();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', { requireHttps: false, allowPrivate: false })).not.toBeNull();
  });

  describe('at connect time', () => {
    const answering =
      (address: string): LookupFunction =>
      (_host, options, callback) =>
        options.all ? callback(null, [{ address, family: address.includes(':') ? 6 : 4 }] as LookupAddress[]) : callback(null, address, 4);

    it.each([true, false])('refuses a name that resolves to a private address (all: %s)', (all) => {
      const callback = jest.fn();
      guardedLookup(answering('10.0.0.1'), false)('rebind.example.com', { all }, callback);
      expect(callback).toHaveBeenCalledTimes(1);
      expect(callback.mock.calls[0][0]).toMatchObject({ code: 'EWEBHOOKTARGET' });
      expect(callback.mock.calls[0][0].message).toContain('10.0.0.1');
    });

    it('passes a public answer through unchanged', () => {
      const callback = jest.fn();
      guardedLookup(answering('93.184.216.34'), false)('hooks.example.com', { all: true }, callback);
      expect(callback).toHaveBeenCalledWith(null, [{ address: '93.184.216.34', family: 4 }], undefined);
    });
  });
});
