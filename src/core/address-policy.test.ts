import { describe, expect, it } from 'vitest';
import { checkTargetUrl, isForbiddenAddress, type TargetPolicy } from './address-policy.js';

const strict: TargetPolicy = { allowPrivateTargets: false };
const lenient: TargetPolicy = { allowPrivateTargets: true };

function reasonFor(url: string, policy: TargetPolicy = strict): string {
  const check = checkTargetUrl(url, policy);
  return check.ok ? 'ok' : check.reason;
}

describe('isForbiddenAddress', () => {
  const forbidden: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified IPv4'],
    ['0.1.2.3', 'this-network 0/8'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, top of 127/8'],
    ['10.0.0.1', 'RFC1918 10/8'],
    ['10.255.255.255', 'RFC1918 10/8, top'],
    ['172.16.0.1', 'RFC1918 172.16/12'],
    ['172.31.255.255', 'RFC1918 172.16/12, top'],
    ['192.168.1.1', 'RFC1918 192.168/16'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT 100.64/10, top'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['169.254.0.1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast SSDP'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved 240/4'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified IPv6'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'bracketed IPv6 loopback'],
    ['fc00::1', 'unique-local fc00::/7'],
    ['fd00::1', 'unique-local fd00::/8'],
    ['fd00:ec2::254', 'AWS IPv6 metadata'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with zone'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback (dotted)'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback (hex)'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['64:ff9b:1::5db8:d822', 'local-use NAT64 prefix'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'teredo'],
    ['2001:db8::1', 'documentation'],
    ['example.com', 'not an IP address at all'],
    ['', 'empty string'],
  ];
  it.each(forbidden)('forbids %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true);
  });

  const allowed: Array<[string, string]> = [
    ['93.184.216.34', 'public IPv4'],
    ['8.8.8.8', 'public IPv4'],
    ['172.32.0.1', 'just above 172.16/12'],
    ['100.128.0.1', 'just above 100.64/10'],
    ['2606:4700::1111', 'public IPv6'],
    ['::ffff:93.184.216.34', 'IPv4-mapped public address'],
    ['64:ff9b::5db8:d822', 'NAT64 of a public address'],
  ];
  it.each(allowed)('allows %s (%s)', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });
});

describe('checkTargetUrl', () => {
  it('accepts a public https URL and returns the parsed URL', () => {
    const check = checkTargetUrl('https://hooks.example.com/in?x=1', strict);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.url.hostname).toBe('hooks.example.com');
  });

  it.each([
    ['http://2130706433/', 'decimal 127.0.0.1'],
    ['http://0x7f.1/', 'hex 127.0.0.1'],
    ['http://0x7f000001/', 'hex 127.0.0.1, one part'],
    ['http://0177.0.0.1/', 'octal 127.0.0.1'],
    ['http://127.1/', 'short 127.0.0.1'],
    ['http://0/', 'zero as 0.0.0.0'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://127.0.0.1/', 'loopback'],
    ['http://10.1.2.3/', '10/8'],
    ['http://172.16.5.4/', '172.16/12'],
    ['http://192.168.0.10/', '192.168/16'],
    ['http://100.64.1.1/', 'CGNAT'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata in hex'],
    ['http://[::1]/', 'IPv6 loopback'],
    ['http://[::]/', 'IPv6 unspecified'],
    ['http://[fc00::1]/', 'unique-local fc00'],
    ['http://[fd00::1]/', 'unique-local fd00'],
    ['http://[fe80::1]/', 'IPv6 link-local'],
    ['http://[fd00:ec2::254]/', 'AWS IPv6 metadata'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped loopback, hex'],
    ['http://[64:ff9b::7f00:1]/', 'NAT64 of loopback'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://localhost:3000/', 'localhost'],
    ['http://LOCALHOST/', 'localhost in capitals'],
    ['http://localhost./', 'localhost with a trailing dot'],
    ['http://api.localhost/', 'a .localhost name'],
  ])('refuses %s (%s) as forbidden_address', (url) => {
    expect(reasonFor(url)).toBe('forbidden_address');
  });

  it.each([
    ['http://93.184.216.34/', 'public IPv4'],
    ['https://[2606:4700::1111]/', 'public IPv6'],
    ['http://1572395042/', 'public IPv4 in decimal'],
    ['https://localhost.example.com/', 'a name that only starts with localhost'],
  ])('accepts %s (%s)', (url) => {
    expect(reasonFor(url)).toBe('ok');
  });

  it('lets allowPrivateTargets lift the address and localhost rules', () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://2130706433/',
      'http://[::1]/',
      'http://169.254.169.254/',
      'http://localhost/',
      'http://api.localhost/',
    ]) {
      expect(reasonFor(url, lenient), url).toBe('ok');
    }
  });

  it('accepts only http and https', () => {
    expect(reasonFor('ftp://example.com/')).toBe('unsupported_scheme');
    expect(reasonFor('file:///etc/passwd')).toBe('unsupported_scheme');
    expect(reasonFor('javascript:alert(1)')).toBe('unsupported_scheme');
    expect(reasonFor('gopher://example.com/')).toBe('unsupported_scheme');
  });

  it('refuses unparseable URLs and URLs with credentials as invalid_url', () => {
    expect(reasonFor('not a url')).toBe('invalid_url');
    expect(reasonFor('http://')).toBe('invalid_url');
    expect(reasonFor('https://user:pass@example.com/')).toBe('invalid_url');
    expect(reasonFor('https://user@example.com/')).toBe('invalid_url');
  });

  it('refuses URLs longer than 2048 characters and accepts exactly 2048', () => {
    const base = 'https://example.com/';
    expect(reasonFor(base + 'a'.repeat(2048 - base.length))).toBe('ok');
    expect(reasonFor(base + 'a'.repeat(2049 - base.length))).toBe('too_long');
  });

  describe('port list', () => {
    const policy: TargetPolicy = { allowPrivateTargets: false, allowedPorts: [443, 8443] };

    it('counts the scheme default port as the port', () => {
      expect(reasonFor('https://example.com/', policy)).toBe('ok');
      expect(reasonFor('http://example.com/', policy)).toBe('port_not_allowed');
      expect(reasonFor('https://example.com:443/', policy)).toBe('ok');
    });

    it('accepts listed explicit ports and refuses others', () => {
      expect(reasonFor('https://example.com:8443/', policy)).toBe('ok');
      expect(reasonFor('https://example.com:22/', policy)).toBe('port_not_allowed');
      expect(reasonFor('http://example.com:8443/', policy)).toBe('ok');
    });

    it('does not restrict ports when the list is null', () => {
      expect(reasonFor('http://example.com:22/', { ...strict, allowedPorts: null })).toBe('ok');
    });
  });

  describe('domain lists', () => {
    it('allows the exact host and its subdomains, nothing else', () => {
      const policy: TargetPolicy = { allowPrivateTargets: false, allowedDomains: ['example.com'] };
      expect(reasonFor('https://example.com/', policy)).toBe('ok');
      expect(reasonFor('https://a.example.com/', policy)).toBe('ok');
      expect(reasonFor('https://a.b.example.com/', policy)).toBe('ok');
      expect(reasonFor('https://EXAMPLE.com./', policy)).toBe('ok');
      expect(reasonFor('https://badexample.com/', policy)).toBe('domain_not_allowed');
      expect(reasonFor('https://example.com.evil.net/', policy)).toBe('domain_not_allowed');
      expect(reasonFor('https://93.184.216.34/', policy)).toBe('domain_not_allowed');
    });

    it('refuses denied hosts and their subdomains', () => {
      const policy: TargetPolicy = { allowPrivateTargets: false, deniedDomains: ['evil.net'] };
      expect(reasonFor('https://evil.net/', policy)).toBe('domain_not_allowed');
      expect(reasonFor('https://x.evil.net/', policy)).toBe('domain_not_allowed');
      expect(reasonFor('https://notevil.net/', policy)).toBe('ok');
    });

    it('lets the denied list win over the allowed list', () => {
      const policy: TargetPolicy = {
        allowPrivateTargets: false,
        allowedDomains: ['example.com'],
        deniedDomains: ['internal.example.com'],
      };
      expect(reasonFor('https://api.example.com/', policy)).toBe('ok');
      expect(reasonFor('https://internal.example.com/', policy)).toBe('domain_not_allowed');
      expect(reasonFor('https://db.internal.example.com/', policy)).toBe('domain_not_allowed');
    });

    it('matches IP literals only exactly', () => {
      const policy: TargetPolicy = { allowPrivateTargets: false, deniedDomains: ['216.34'] };
      expect(reasonFor('https://93.184.216.34/', policy)).toBe('ok');
      expect(
        reasonFor('https://93.184.216.34/', { ...strict, deniedDomains: ['93.184.216.34'] }),
      ).toBe('domain_not_allowed');
    });

    it('matches Unicode list entries against punycode hosts', () => {
      const policy: TargetPolicy = { allowPrivateTargets: false, allowedDomains: ['bücher.example'] };
      expect(reasonFor('https://shop.bücher.example/', policy)).toBe('ok');
    });
  });
});

describe('more spellings of forbidden hosts', () => {
  // Every one of these reaches loopback, a private network or the metadata service; the WHATWG
  // parser canonicalises the IPv4 ones, the IPv6 ones are judged by what they embed.
  it.each([
    ['http://017700000001/', 'octal 127.0.0.1, one part'],
    ['http://0x7F000001/', 'hex 127.0.0.1, capitals'],
    ['http://0x7f.0x0.0x0.0x1/', 'hex in every part'],
    ['http://0300.0250.0.1/', 'octal 192.168.0.1'],
    ['http://127.000.000.001/', 'zero-padded parts read as octal'],
    ['http://3232235521/', 'decimal 192.168.0.1'],
    ['http://2852039166/', 'decimal 169.254.169.254'],
    ['http://0251.0376.0251.0376/', 'octal 169.254.169.254'],
    ['http://127.0.0.1./', 'trailing dot'],
    ['http://%31%32%37.0.0.1/', 'percent-encoded digits'],
    ['http://１２７.０.０.１/', 'full-width digits'],
    ['http://0x0/', '0.0.0.0 in hex'],
    ['http://[0000::1]/', 'loopback with a padded group'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback written out'],
    ['http://[FE80::1]/', 'link-local in capitals'],
    ['http://[febf::1]/', 'top of fe80::/10'],
    ['http://[fcff::1]/', 'fc00::/7, fc half'],
    ['http://[fdff:ffff::1]/', 'fc00::/7, fd half'],
    ['http://[::ffff:a9fe:a9fe]/', 'IPv4-mapped metadata in hex'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'IPv4-mapped loopback written out'],
    ['http://[::ffff:0.0.0.0]/', 'IPv4-mapped unspecified'],
    ['http://[::ffff:192.168.1.1]/', 'IPv4-mapped private'],
    ['http://[64:ff9b::169.254.169.254]/', 'NAT64 of metadata, dotted'],
    ['http://[64:ff9b::10.0.0.1]/', 'NAT64 of a private address'],
    ['http://[fd00:ec2::254]:80/latest/meta-data/', 'AWS IPv6 metadata with port and path'],
  ])('refuses %s (%s) as forbidden_address', (url) => {
    expect(reasonFor(url)).toBe('forbidden_address');
  });

  it('refuses an IPv6 zone identifier, which the URL standard does not allow', () => {
    expect(reasonFor('http://[fe80::1%25eth0]/')).toBe('invalid_url');
  });

  it('leaves names to the resolver check: a name that merely looks internal is judged when it resolves', () => {
    expect(reasonFor('http://169.254.169.254.nip.io/')).toBe('ok');
    expect(reasonFor('http://metadata.google.internal/')).toBe('ok');
  });
});
