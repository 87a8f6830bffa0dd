import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/engine/operation.js';
import { parseInstruction, supportedInstructions } from '../../src/engine/parse-instruction.js';

type Expected = Record<string, unknown> & { type: Operation['type'] };

/** Instruction → the operations it must produce, compared field by field. */
const fixtures: Array<[string, Expected[]]> = [
  [
    'Edit this image: change the background to blue and keep the main square visible. Return image output.',
    [{ type: 'background', color: { name: 'blue', rgb: { red: 0, green: 0, blue: 255 } } }],
  ],
  [
    'make the background #123456',
    [{ type: 'background', color: { name: '#123456', rgb: { red: 18, green: 52, blue: 86 } } }],
  ],
  [
    'change the background from white to light blue',
    [{ type: 'background', color: expect.objectContaining({ name: 'light blue' }) }],
  ],
  [
    'Set the background colour to GREEN please',
    [{ type: 'background', color: expect.objectContaining({ name: 'green' }) }],
  ],
  [
    'make it grayscale and flip it horizontally',
    [{ type: 'grayscale' }, { type: 'flip', direction: 'horizontal' }],
  ],
  ['Turn it black and white', [{ type: 'grayscale' }]],
  ['convert to greyscale', [{ type: 'grayscale' }]],
  ['invert the colors', [{ type: 'invert' }]],
  ['rotate 90 degrees', [{ type: 'rotate', degrees: 90 }]],
  ['rotate it 180°', [{ type: 'rotate', degrees: 180 }]],
  ['rotate 90 degrees to the left', [{ type: 'rotate', degrees: 270 }]],
  ['rotate 270 counter-clockwise', [{ type: 'rotate', degrees: 90 }]],
  ['rotate right', [{ type: 'rotate', degrees: 90 }]],
  ['turn it upside down', [{ type: 'rotate', degrees: 180 }]],
  ['mirror the image', [{ type: 'flip', direction: 'horizontal' }]],
  ['flip it vertically', [{ type: 'flip', direction: 'vertical' }]],
  ['blur', [{ type: 'blur', sigma: 3 }]],
  ['blur with sigma 2.5', [{ type: 'blur', sigma: 2.5 }]],
  ['blur it slightly', [{ type: 'blur', sigma: 1.5 }]],
  ['sharpen the photo', [{ type: 'sharpen' }]],
  ['resize to 800x600', [{ type: 'resize', width: 800, height: 600 }]],
  ['resize it to 50%', [{ type: 'scale', percent: 50 }]],
  ['scale by 200 percent', [{ type: 'scale', percent: 200 }]],
  ['make it half the size', [{ type: 'scale', percent: 50 }]],
  ['crop to 16:9', [{ type: 'crop', ratioWidth: 16, ratioHeight: 9 }]],
  ['crop it to a square', [{ type: 'crop', ratioWidth: 1, ratioHeight: 1 }]],
  ['crop to a 4:3 aspect ratio', [{ type: 'crop', ratioWidth: 4, ratioHeight: 3 }]],
  ['add a 20px red border', [{ type: 'border', size: 20, color: expect.objectContaining({ name: 'red' }) }]],
  ['add a border', [{ type: 'border', size: 10, color: expect.objectContaining({ name: 'black' }) }]],
  [
    'add a border of 15 pixels in #00ff00',
    [{ type: 'border', size: 15, color: expect.objectContaining({ name: '#00ff00' }) }],
  ],
  [
    'a red circle on a white background',
    [
      {
        type: 'draw',
        shape: 'circle',
        size: 'medium',
        shapeColor: expect.objectContaining({ name: 'red' }),
        backgroundColor: expect.objectContaining({ name: 'white' }),
      },
    ],
  ],
  [
    'A blue square on a yellow background.',
    [
      {
        type: 'draw',
        shape: 'square',
        shapeColor: expect.objectContaining({ name: 'blue' }),
        backgroundColor: expect.objectContaining({ name: 'yellow' }),
      },
    ],
  ],
  ['draw a small green triangle', [{ type: 'draw', shape: 'triangle', size: 'small' }]],
  ['place them side by side', [{ type: 'combine' }]],
  [
    'Please make the background green, then rotate it 90 degrees clockwise, then add a 5 px black border.',
    [{ type: 'background' }, { type: 'rotate', degrees: 90 }, { type: 'border', size: 5 }],
  ],
];

describe('parseInstruction', () => {
  it.each(fixtures)('reads "%s" as the expected operations', (instruction, expected) => {
    const parsed = parseInstruction(instruction);
    expect(parsed.kind).toBe('operations');
    if (parsed.kind !== 'operations') return;
    expect(parsed.operations).toHaveLength(expected.length);
    expected.forEach((operation, index) => {
      expect(parsed.operations[index]).toMatchObject(operation);
    });
  });

  const refused: Array<[string, string]> = [
    ['make the cat wear a hat', 'Did not understand "make the cat wear a hat"'],
    ['rotate 45 degrees', 'use 90, 180 or 270'],
    ['blur with sigma 500', 'out of range'],
    ['resize to 9000x10', 'out of range'],
    ['change the background', 'needs a colour'],
    ['crop it', 'needs an aspect ratio'],
    ['', 'empty'],
    ['please. thank you', 'asks for no change'],
  ];

  it.each(refused)('refuses "%s" and says why', (instruction, why) => {
    const parsed = parseInstruction(instruction);
    expect(parsed.kind).toBe('not_understood');
    if (parsed.kind !== 'not_understood') return;
    expect(parsed.reason).toContain(why);
    expect(parsed.reason).toContain(supportedInstructions);
  });

  it('reports what it understood before the part it could not', () => {
    const parsed = parseInstruction('change the background to blue and add a dog');
    expect(parsed.kind).toBe('not_understood');
    if (parsed.kind !== 'not_understood') return;
    expect(parsed.reason).toContain('Did not understand "add a dog"');
    expect(parsed.reason).toContain('Understood so far: change the background to blue');
  });

  it('refuses leftover words instead of silently ignoring them', () => {
    const parsed = parseInstruction('change the background to blue but make the dog purple');
    expect(parsed.kind).toBe('not_understood');
  });
});
