import { hashSecret, verifySecret } from './secrets';

describe('secret hashing', () => {
  it('verifies the right secret and refuses others, with a fresh salt each time', async () => {
    const a = await hashSecret('correct horse');
    const b = await hashSecret('correct horse');
    expect(a).not.toEqual(b);
    expect(a.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(a).not.toContain('correct horse');
    expect(await verifySecret('correct horse', a)).toBe(true);
    expect(await verifySecret('correct horsE', a)).toBe(false);
    expect(await verifySecret('correct horse', 'plain')).toBe(false);
    expect(await verifySecret('correct horse', 'scrypt$0$8$1$AA$AA')).toBe(false);
  });
});
