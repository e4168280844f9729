/**
 * Seeded randomness for the flow model. Everything random in a flow draws from one of these
 * generators, so the same seed always gives the same segments and bytes.
 *
 * The generator is xoshiro128** (Blackman & Vigna), seeded through splitmix32.
 */

/** splitmix32 step: a good 32-bit mixer used to expand one seed into generator state. */
export function splitmix32(state: number): { value: number; next: number } {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return { value: z >>> 0, next };
}

/** xoshiro128**: fast, small, 2^128 - 1 period. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream = 0) {
    let state = (seed ^ Math.imul(stream + 1, 0x632be5ab)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const step = splitmix32(state);
      state = step.next;
      words.push(step.value | 0);
    }
    this.s0 = words[0]!;
    this.s1 = words[1]!;
    this.s2 = words[2]!;
    this.s3 = words[3]!;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform number in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** A uniform integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Decides, packet by packet, whether a packet is lost. */
export interface LossProcess {
  /** True when the next packet through this point is lost. */
  lose(): boolean;
}

/** Independent losses with probability `probability`. */
export class BernoulliLoss implements LossProcess {
  constructor(
    private readonly probability: number,
    private readonly random: SeededRandom,
  ) {}
  lose(): boolean {
    return this.probability > 0 && this.random.nextFloat() < this.probability;
  }
}

/** Parameters of a two-state Gilbert-Elliott channel. */
export interface GilbertElliottParameters {
  /** Probability of moving from the good to the bad state, per packet. */
  goodToBad: number;
  /** Probability of moving from the bad to the good state, per packet. */
  badToGood: number;
  /** Loss probability in the good state (usually 0). */
  lossInGood: number;
  /** Loss probability in the bad state (usually 1). */
  lossInBad: number;
}

/**
 * Gilbert-Elliott parameters with a given mean loss rate and mean burst length (packets), losing every
 * packet in the bad state and none in the good state.
 */
export function gilbertForMeanLoss(meanLoss: number, meanBurstLength = 4): GilbertElliottParameters {
  const badToGood = 1 / Math.max(1, meanBurstLength);
  const clamped = Math.min(Math.max(meanLoss, 0), 0.99);
  const goodToBad = (clamped * badToGood) / (1 - clamped);
  return { goodToBad, badToGood, lossInGood: 0, lossInBad: 1 };
}

/** Bursty losses: a hidden good/bad Markov chain, as on a fading radio link. */
export class GilbertElliottLoss implements LossProcess {
  private bad = false;
  constructor(
    private readonly parameters: GilbertElliottParameters,
    private readonly random: SeededRandom,
  ) {}
  lose(): boolean {
    const { goodToBad, badToGood, lossInGood, lossInBad } = this.parameters;
    const switchDraw = this.random.nextFloat();
    if (this.bad) {
      if (switchDraw < badToGood) this.bad = false;
    } else if (switchDraw < goodToBad) {
      this.bad = true;
    }
    const lossProbability = this.bad ? lossInBad : lossInGood;
    return lossProbability > 0 && this.random.nextFloat() < lossProbability;
  }
}

/** Never loses anything. */
export const noLoss: LossProcess = { lose: () => false };
