// The operations the offline engine can apply, as the instruction parser produces them.

import type { NamedColor } from './colors.js';

export type ShapeKind = 'circle' | 'square' | 'rectangle' | 'triangle';

export type ShapeSize = 'small' | 'medium' | 'large';

export type Operation =
  | { type: 'background'; color: NamedColor }
  | { type: 'grayscale' }
  | { type: 'invert' }
  | { type: 'rotate'; degrees: 90 | 180 | 270 }
  | { type: 'flip'; direction: 'horizontal' | 'vertical' }
  | { type: 'blur'; sigma: number }
  | { type: 'sharpen' }
  | { type: 'resize'; width: number; height: number }
  | { type: 'scale'; percent: number }
  | { type: 'crop'; ratioWidth: number; ratioHeight: number }
  | { type: 'border'; size: number; color: NamedColor }
  | { type: 'combine' }
  | { type: 'draw'; shape: ShapeKind; size: ShapeSize; shapeColor: NamedColor; backgroundColor: NamedColor };

/** The most pixels one side of an output image may have. */
export const maximumSide = 4096;

/** A short human phrase for an operation, used in descriptions and "understood so far" lists. */
export function describeOperation(operation: Operation): string {
  switch (operation.type) {
    case 'background':
      return `change the background to ${operation.color.name}`;
    case 'grayscale':
      return 'convert to grayscale';
    case 'invert':
      return 'invert the colours';
    case 'rotate':
      return `rotate ${operation.degrees}° clockwise`;
    case 'flip':
      return `flip ${operation.direction}ly`;
    case 'blur':
      return `blur (sigma ${operation.sigma})`;
    case 'sharpen':
      return 'sharpen';
    case 'resize':
      return `resize to ${operation.width}x${operation.height}`;
    case 'scale':
      return `resize to ${operation.percent}%`;
    case 'crop':
      return `centre-crop to ${operation.ratioWidth}:${operation.ratioHeight}`;
    case 'border':
      return `add a ${operation.size} px ${operation.color.name} border`;
    case 'combine':
      return 'place the input images side by side';
    case 'draw':
      return `draw a ${operation.size === 'medium' ? '' : `${operation.size} `}${operation.shapeColor.name} ${operation.shape} on a ${operation.backgroundColor.name} background`;
  }
}
