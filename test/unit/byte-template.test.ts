import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteTemplate, slotMarker, verifiedTemplate } from '../../src/views/byte-template.ts';

const page = (v: { csrf: string; key: string }, middle: Buffer, name = 'Иванов') => [
  `<form><input name="_csrf" value="${v.csrf}"/></form><h1>${name}</h1>`,
  middle,
  `<input name="key" value="${v.key}"/><input name="_csrf" value="${v.csrf}"/>ё`,
];

test('a template gives the same bytes as the markup rendered with the values, each time with new values', () => {
  const middle = Buffer.from('<table>Начислено: 1 234,56 ₽</table>');
  const t = ByteTemplate.of(page({ csrf: slotMarker('csrf'), key: slotMarker('key') }, middle), [
    'csrf',
    'key',
  ] as const);
  for (const values of [
    { csrf: 'abc-123', key: 'e0b7c1d2-0000-4000-8000-000000000001' },
    { csrf: 'x', key: '' },
    { csrf: 'ключ-в-юникоде', key: 'ещё' },
  ]) {
    const expected = Buffer.concat(
      page(values, middle).map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))),
    );
    assert.equal(t.fill(values).toString(), expected.toString());
    assert.ok(t.fill(values).equals(expected));
  }
  // The encoded piece is kept as it is and found again, without a copy of its own.
  assert.equal(t.pieceBytes().toString(), middle.toString());
  assert.equal(t.size, Buffer.byteLength(page({ csrf: '', key: '' }, middle).join('')));
});

test('a template is refused when the data holds a marker, so a value never lands inside the data', () => {
  const middle = Buffer.from('<p>sections</p>');
  const slots = ['csrf', 'key'] as const;
  const probe = { csrf: 'csrf-probe', key: 'key-probe' };
  assert.ok(
    verifiedTemplate(slots, (v) => page(v, middle), probe),
    'ordinary data: a template',
  );
  const sly = `Иванов${slotMarker('csrf')}`;
  assert.equal(
    verifiedTemplate(slots, (v) => page(v, middle, sly), probe),
    null,
  );
  // In the encoded piece a marker is only bytes: it is not a gap.
  const inPiece = Buffer.from(`<p>${slotMarker('key')}</p>`);
  const t = verifiedTemplate(slots, (v) => page(v, inPiece), probe);
  assert.ok(t);
  assert.ok(t.fill({ csrf: 'c', key: 'k' }).includes(Buffer.from(`<p>${slotMarker('key')}</p>`)));
});
