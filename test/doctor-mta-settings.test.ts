import { describe, expect, it } from 'vitest';
import { eximIpv6, parsePostfixMainCf, postfixIpv6 } from '../src/doctor/mta-settings.js';

describe('Postfix main.cf', () => {
  it('reads parameters, continuation lines and comments; the last definition wins', () => {
    const params = parsePostfixMainCf('# comment\r\nmyhostname = mx1.example.com\r\ninet_protocols = ipv4\r\nsmtpd_recipient_restrictions =\r\n    permit_mynetworks,\r\n    reject\r\ninet_protocols = all\r\n');
    expect(params.get('myhostname')).toBe('mx1.example.com');
    expect(params.get('smtpd_recipient_restrictions')).toBe('permit_mynetworks, reject');
    expect(params.get('inet_protocols')).toBe('all');
  });

  it.each([
    ['inet_protocols = all\nsmtp_address_preference = ipv6\n', 'enabled'],
    ['inet_protocols = all\n', 'enabled'],
    ['', 'enabled'],
    ['inet_protocols = ipv4\n', 'disabled'],
    ['inet_protocols = ipv4, ipv6\nsmtp_address_preference = ipv4\n', 'preferred_ipv4'],
    ['inet_protocols = ipv6\nsmtp_address_preference = ipv4\n', 'enabled'],
  ])('%j -> %s', (text, want) => {
    expect(postfixIpv6(parsePostfixMainCf(text)).ipv6).toBe(want);
  });

  it('names the settings it judged by', () => {
    expect(postfixIpv6(parsePostfixMainCf('inet_protocols = all\nsmtp_address_preference = ipv6\n')).detail)
      .toBe('inet_protocols = all, smtp_address_preference = ipv6');
  });
});

describe('Exim configuration', () => {
  it.each([
    ['primary_hostname = mx1.example.com\n', 'enabled'],
    ['disable_ipv6 = true\n', 'disabled'],
    ['disable_ipv6\n', 'disabled'],
    ['no_disable_ipv6\n', 'enabled'],
    ['disable_ipv6 = false\n', 'enabled'],
    ['dns_ipv4_lookup = *\n', 'disabled'],
    ['dns_ipv4_lookup = example.net\n', 'enabled'],
    ['.ifdef MAIN_DISABLE_IPV6\ndisable_ipv6 = true\n.endif\n', 'enabled'],
    ['MAIN_DISABLE_IPV6 = yes\n.ifdef MAIN_DISABLE_IPV6\ndisable_ipv6 = true\n.endif\n', 'disabled'],
    ['.ifndef MAIN_KEEP_IPV6\ndisable_ipv6 = true\n.else\nno_disable_ipv6\n.endif\n', 'disabled'],
    ['begin routers\ndisable_ipv6 = true\n', 'enabled'],
    ['# disable_ipv6 = true\r\n', 'enabled'],
  ])('%j -> %s', (text, want) => {
    expect(eximIpv6(text).ipv6).toBe(want);
  });
});
