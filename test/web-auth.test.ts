import bcrypt from 'bcryptjs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../src/server/concurrency-gate.js';
import { BasicAuthVerifier, dummyCost, MAX_BCRYPT_IN_FLIGHT, MAX_BCRYPT_QUEUED, registerWebAuth } from '../src/server/web-auth.js';
import { parseWebConfig } from '../src/server/web-config.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const COST = 9; // each check takes a few of bcryptjs's 100 ms slices
const HASH = bcrypt.hashSync('s3cret', COST);
const LOW_COST = 6; // not the default 10 of the old fixed dummy hash

describe('password checks under a wrong-password flood', () => {
  it('keeps /-/healthy answering while 64 wrong passwords are checked, answers the excess 429 at once, and still lets the right password in', async () => {
    const web = parseWebConfig(`basic_auth_users:\n  prometheus: "${HASH}"\nauth_excluded_paths: ["/-/healthy"]\n`, 'web.yml', '/');
    const verifier = new BasicAuthVerifier();
    const app = Fastify({ logger: false });
    registerWebAuth(app, () => web, () => {}, verifier);
    app.get('/-/healthy', async () => 'OK\n');
    app.get('/metrics', async () => 'up 1\n');
    await verifier.dummyHash(COST);
    let done = 0;
    const flood = Array.from({ length: 64 }, (_, i) => app.inject({ url: '/metrics', headers: { authorization: basic(i % 2 ? 'prometheus' : `user${i}`, `wrong${i}`) } })
      .then((res) => {
        done++;
        return res;
      }));
    const healthy = await app.inject('/-/healthy');
    expect(healthy.statusCode).toBe(200);
    expect(done).toBeLessThan(64); // answered while the flood is in progress
    expect(verifier.gate.inFlight).toBeLessThanOrEqual(MAX_BCRYPT_IN_FLIGHT);
    const answers = await Promise.all(flood);
    const busy = answers.filter((r) => r.statusCode === 429);
    expect(busy).toHaveLength(64 - MAX_BCRYPT_IN_FLIGHT - MAX_BCRYPT_QUEUED);
    expect(busy[0]!.headers['retry-after']).toBe('1');
    expect(busy[0]!.body).toBe('Too many password checks in progress; retry later\n');
    expect(answers.filter((r) => r.statusCode === 401)).toHaveLength(MAX_BCRYPT_IN_FLIGHT + MAX_BCRYPT_QUEUED);
    expect(verifier.gate.peakInFlight).toBe(MAX_BCRYPT_IN_FLIGHT);
    const good = await app.inject({ url: '/metrics', headers: { authorization: basic('prometheus', 's3cret') } });
    expect(good.statusCode).toBe(200);
    expect(verifier.cached).toBe(1);
    await app.close();
  }, 60_000);

  it('lets a cached scraper in at once while the bcrypt slots are taken', async () => {
    const gate = new ConcurrencyGate(1, 0);
    const verifier = new BasicAuthVerifier({ gate });
    const users = new Map([['prometheus', bcrypt.hashSync('s3cret', 4)]]);
    expect(await verifier.check(users, basic('prometheus', 's3cret'))).toBe('ok');
    const release = (await gate.acquire(0))!;
    expect(await verifier.check(users, basic('prometheus', 'wrong'))).toBe('busy');
    expect(await verifier.check(users, basic('prometheus', 's3cret'))).toBe('ok');
    release();
  });
});

describe('unknown users', () => {
  it('are compared with a dummy hash of the configured cost, like a wrong password of a known user', async () => {
    const costs: number[] = [];
    const verifier = new BasicAuthVerifier({ compare: (password, hash) => {
      costs.push(bcrypt.getRounds(hash));
      return bcrypt.compare(password, hash);
    } });
    const users = new Map([['prometheus', bcrypt.hashSync('s3cret', LOW_COST)]]);
    expect(dummyCost(users)).toBe(LOW_COST);
    expect(await verifier.check(users, basic('mallory', 's3cret'))).toBe('denied');
    expect(await verifier.check(users, basic('prometheus', 'wrong'))).toBe('denied');
    expect(costs).toEqual([LOW_COST, LOW_COST]);
    expect(bcrypt.getRounds(await verifier.dummyHash(dummyCost(users)))).toBe(LOW_COST);
    expect(dummyCost(new Map([['prometheus', HASH]]))).toBe(COST);
    expect(dummyCost(new Map([['a', bcrypt.hashSync('x', 4)], ['b', bcrypt.hashSync('y', 5)]]))).toBe(5);
    expect(dummyCost(new Map())).toBe(10);
  }, 30_000);
});
