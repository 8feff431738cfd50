/**
 * A small seeded pseudo-random generator, so that `generate --seed N` always writes the same file.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, passes
 * PractRand, and costs a few additions — Math.random cannot be seeded.
 */

/** FNV-1a over a label, to derive independent streams from one seed (`fork`). */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const HEX = '0123456789abcdef';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from an integer and an optional label; equal inputs give equal sequences. */
  constructor(
    private readonly seed: number,
    label = '',
  ) {
    this.a = hash32(`a${label}`, seed);
    this.b = hash32(`b${label}`, seed);
    this.c = hash32(`c${label}`, seed);
    this.d = 1;
    // Warm up: the first outputs of sfc32 correlate with the seed words.
    for (let i = 0; i < 12; i++) this.next();
  }

  /**
   * An independent stream for a sub-part (an account, a region, the storm), so that changing one
   * option (say `--storm`) does not reshuffle everything else the same seed produced.
   */
  fork(label: string): Random {
    return new Random(this.seed, label);
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4_294_967_296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: the list is empty; give at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Exponential waiting time with the given mean (a Poisson process's gaps). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-normal with the given median and shape: remediation delays have a long tail. */
  logNormal(median: number, sigma: number): number {
    // Box–Muller; one normal draw is enough here.
    const u = 1 - this.next();
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * normal);
  }

  private chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars(HEX, length);
  }

  lowerAlnum(length: number): string {
    return this.chars(LOWER_ALNUM, length);
  }

  upperAlnum(length: number): string {
    return this.chars(UPPER_ALNUM, length);
  }

  digits(length: number): string {
    return this.chars('0123456789', length);
  }

  /** A version-4-shaped UUID from this stream (EventBridge ids look like this). */
  uuid(): string {
    const h = this.hex(32);
    const variant = HEX[8 + Math.floor(this.next() * 4)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/**
 * A UUID derived from a label alone (a CloudTrail event id from its item change's id, the demo
 * tail's ids from their role and time): the same label always gives the same id, and no random
 * stream of the generator is drawn from, so adding one changes no other event.
 */
export function uuidOf(label: string): string {
  return new Random(0, label).uuid();
}
