// Text-to-image of one simple shape: an SVG drawn on a plain canvas and rasterised by sharp.

import sharp from 'sharp';
import { toHex } from './colors.js';
import type { Operation, ShapeSize } from './operation.js';
import { decodeImage, type RasterImage } from './raster.js';

type DrawOperation = Extract<Operation, { type: 'draw' }>;

/** Share of the canvas's shorter side the shape spans. */
const sizeFactor: Record<ShapeSize, number> = { small: 0.35, medium: 0.6, large: 0.85 };

function shapeElement(operation: DrawOperation, width: number, height: number): string {
  const span = Math.round(Math.min(width, height) * sizeFactor[operation.size]);
  const centreX = width / 2;
  const centreY = height / 2;
  const fill = toHex(operation.shapeColor.rgb);
  switch (operation.shape) {
    case 'circle':
      return `<circle cx="${centreX}" cy="${centreY}" r="${span / 2}" fill="${fill}"/>`;
    case 'square':
      return `<rect x="${centreX - span / 2}" y="${centreY - span / 2}" width="${span}" height="${span}" fill="${fill}" shape-rendering="crispEdges"/>`;
    case 'rectangle': {
      const rectangleWidth = Math.min(width * 0.9, span * 1.5);
      const rectangleHeight = span * 0.75;
      return `<rect x="${centreX - rectangleWidth / 2}" y="${centreY - rectangleHeight / 2}" width="${rectangleWidth}" height="${rectangleHeight}" fill="${fill}" shape-rendering="crispEdges"/>`;
    }
    case 'triangle': {
      const half = span / 2;
      const points = [
        `${centreX},${centreY - half}`,
        `${centreX - half},${centreY + half}`,
        `${centreX + half},${centreY + half}`,
      ];
      return `<polygon points="${points.join(' ')}" fill="${fill}"/>`;
    }
  }
}

export async function drawShape(
  operation: DrawOperation,
  width: number,
  height: number,
): Promise<RasterImage> {
  const background = toHex(operation.backgroundColor.rgb);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="${background}"/>` +
    shapeElement(operation, width, height) +
    '</svg>';
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return decodeImage(png);
}
