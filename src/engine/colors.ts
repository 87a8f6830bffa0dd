// Colour names the instruction grammar understands (a CSS subset plus #rrggbb / #rgb) and their RGB values.

export interface Rgb {
  red: number;
  green: number;
  blue: number;
}

export interface NamedColor {
  name: string;
  rgb: Rgb;
}

function rgb(red: number, green: number, blue: number): Rgb {
  return { red, green, blue };
}

/** CSS keyword values; multi-word names are written with a space ("light blue"). */
const namedColors: Record<string, Rgb> = {
  red: rgb(255, 0, 0),
  green: rgb(0, 128, 0),
  lime: rgb(0, 255, 0),
  blue: rgb(0, 0, 255),
  navy: rgb(0, 0, 128),
  'dark blue': rgb(0, 0, 139),
  'light blue': rgb(173, 216, 230),
  'sky blue': rgb(135, 206, 235),
  'royal blue': rgb(65, 105, 225),
  teal: rgb(0, 128, 128),
  yellow: rgb(255, 255, 0),
  gold: rgb(255, 215, 0),
  white: rgb(255, 255, 255),
  black: rgb(0, 0, 0),
  gray: rgb(128, 128, 128),
  grey: rgb(128, 128, 128),
  'light gray': rgb(211, 211, 211),
  'light grey': rgb(211, 211, 211),
  'dark gray': rgb(169, 169, 169),
  'dark grey': rgb(169, 169, 169),
  silver: rgb(192, 192, 192),
  orange: rgb(255, 165, 0),
  purple: rgb(128, 0, 128),
  violet: rgb(238, 130, 238),
  indigo: rgb(75, 0, 130),
  pink: rgb(255, 192, 203),
  cyan: rgb(0, 255, 255),
  aqua: rgb(0, 255, 255),
  magenta: rgb(255, 0, 255),
  fuchsia: rgb(255, 0, 255),
  brown: rgb(165, 42, 42),
  maroon: rgb(128, 0, 0),
  olive: rgb(128, 128, 0),
  beige: rgb(245, 245, 220),
  'dark green': rgb(0, 100, 0),
  'light green': rgb(144, 238, 144),
};

/** The colour names, longest first so "light blue" wins over "blue". */
export const colorNames: readonly string[] = Object.keys(namedColors).sort(
  (left, right) => right.length - left.length,
);

/** A regular-expression source matching one colour word or hex code (no capture groups). */
export const colorPattern = `(?:#[0-9a-f]{6}\\b|#[0-9a-f]{3}\\b|\\b(?:${colorNames.join('|')})\\b)`;

/** The RGB value of a colour name or hex code, or undefined when it is not a known colour. */
export function parseColor(text: string): NamedColor | undefined {
  const normalized = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const named = namedColors[normalized];
  if (named) return { name: normalized, rgb: named };
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(normalized);
  if (long) {
    return {
      name: normalized,
      rgb: rgb(Number.parseInt(long[1], 16), Number.parseInt(long[2], 16), Number.parseInt(long[3], 16)),
    };
  }
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(normalized);
  if (short) {
    const expand = (digit: string): number => Number.parseInt(digit + digit, 16);
    return { name: normalized, rgb: rgb(expand(short[1]), expand(short[2]), expand(short[3])) };
  }
  return undefined;
}

/** "#rrggbb" for descriptions and SVG fills. */
export function toHex(color: Rgb): string {
  const hex = (channel: number): string => channel.toString(16).padStart(2, '0');
  return `#${hex(color.red)}${hex(color.green)}${hex(color.blue)}`;
}

/** "blue (#0000ff)" or just "#123456" when the name is the hex code itself. */
export function describeColor(color: NamedColor): string {
  const hex = toHex(color.rgb);
  return color.name === hex ? hex : `${color.name} (${hex})`;
}
