// Word pools and value makers for the catalog. Pure functions of a Prng, so the same seed gives
// the same text everywhere.
import { type Keyword, Uuid, kw } from '@datomkit/datom-core';
import type { Prng } from '../prng.js';
import { mixSeed } from '../prng.js';

const FIRST = ['Nina', 'Miles', 'Ella', 'John', 'Aretha', 'Bjork', 'Fela', 'Joni', 'Youssou', 'Kate', 'Arvo', 'Ravi', 'Cesaria', 'Leonard', 'Oumou', 'Thelonious'];
const LAST = ['Simone', 'Davis', 'Fitzgerald', 'Coltrane', 'Franklin', 'Kuti', 'Mitchell', 'Ndour', 'Bush', 'Part', 'Shankar', 'Evora', 'Cohen', 'Sangare', 'Monk', 'Harper'];
const ADJ = ['Velvet', 'Electric', 'Silent', 'Golden', 'Midnight', 'Crimson', 'Hollow', 'Northern', 'Paper', 'Neon', 'Quiet', 'Wild', 'Broken', 'Blue', 'Distant', 'Lunar'];
const NOUN = ['Foxes', 'Harbour', 'Machines', 'Rivers', 'Gardens', 'Owls', 'Engines', 'Lights', 'Tides', 'Pilots', 'Mirrors', 'Wolves', 'Bells', 'Signals', 'Orchards', 'Satellites'];
const CITY = ['Vienna', 'Lagos', 'Osaka', 'Bergen', 'Lisbon', 'Dakar', 'Tallinn', 'Recife', 'Leeds', 'Kyoto'];
const WORD = ['Love', 'Night', 'River', 'Fire', 'Song', 'Dream', 'Road', 'Heart', 'Rain', 'Light', 'Home', 'Stone', 'Summer', 'Ghost', 'Sea', 'Time'];
const COUNTRY = ['GB', 'US', 'FR', 'DE', 'JP', 'NG', 'SN', 'BR', 'IS', 'NO', 'EE', 'CV', 'ML', 'IN', 'CA', 'PT'];
const GENRE = ['rock', 'jazz', 'soul', 'folk', 'electronic', 'classical', 'afrobeat', 'hip-hop', 'ambient', 'blues'];
const PRICE_CENTS = [499n, 799n, 999n, 1299n, 1599n, 1999n, 2499n];

export const KIND_LABEL = 1;
export const KIND_ARTIST = 2;
export const KIND_RELEASE = 3;
export const KIND_TRACK = 4;

/**
 * A global id that looks random but is unique by construction: the kind and the index are spelled
 * out in its last two groups, so no two catalog entities of one seed can ever collide (a 32-bit
 * PRNG drawing a million uuids would).
 */
export function gid(seed: number, kind: number, index: number): Uuid {
  const a = mixSeed(seed, kind, index).toString(16).padStart(8, '0');
  const b = mixSeed(seed, kind, index, 1).toString(16).padStart(8, '0');
  const variant = (8 + (kind & 3)).toString(16);
  const idx = index.toString(16).padStart(12, '0');
  return new Uuid(`${a}-${b.slice(0, 4)}-4${b.slice(4, 7)}-${variant}${kind.toString(16).padStart(3, '0')}-${idx}`);
}

export function personName(rng: Prng): string {
  return `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
}

export function groupName(rng: Prng): string {
  return `The ${rng.pick(ADJ)} ${rng.pick(NOUN)}`;
}

export function orchestraName(rng: Prng, kind: string): string {
  return `${rng.pick(CITY)} ${kind}`;
}

/** "Nina Simone" sorts as "Simone, Nina"; "The Velvet Foxes" as "Velvet Foxes, The". */
export function sortName(name: string): string {
  if (name.startsWith('The ')) return `${name.slice(4)}, The`;
  const space = name.lastIndexOf(' ');
  return space < 0 ? name : `${name.slice(space + 1)}, ${name.slice(0, space)}`;
}

export function title(rng: Prng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(WORD));
  return out.join(' ');
}

export function labelName(rng: Prng): string {
  return `${rng.pick(ADJ)} ${rng.pick(NOUN)} Records`;
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function country(rng: Prng): Keyword {
  return kw(`country/${rng.pick(COUNTRY)}`);
}

/** `n` distinct genres (a card-many attribute must not get the same value twice). */
export function genres(rng: Prng, n: number): Keyword[] {
  const pool = [...GENRE];
  const out: Keyword[] = [];
  for (let i = 0; i < n && pool.length > 0; i++) {
    const [g] = pool.splice(rng.int(pool.length), 1);
    out.push(kw(`genre/${g}`));
  }
  return out;
}

export function priceCents(rng: Prng): bigint {
  return rng.pick(PRICE_CENTS);
}
