import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { detectDelimiter, detectEncoding, fileKind } from './encoding.ts';

const TEXT = 'Иванов Пётр Сергеевич;г. Черногорск, ул. Бограда 71;1500,00\n';

test('the encoding of Russian text: UTF-8 with or without BOM, Windows-1251, KOI8-R', () => {
  assert.equal(detectEncoding(Buffer.from(TEXT)), 'utf-8');
  assert.equal(detectEncoding(Buffer.from('\ufeff' + TEXT)), 'utf-8');
  assert.equal(detectEncoding(iconv.encode(TEXT, 'windows-1251')), 'windows-1251');
  assert.equal(detectEncoding(iconv.encode(TEXT, 'koi8-r')), 'koi8-r');
  // Names in capitals as banks write them, with a lower-case address.
  const caps = 'ИВАНОВ ПЁТР;г. Черногорск, улица Бограда, дом 71, квартира 5\n';
  assert.equal(detectEncoding(iconv.encode(caps, 'koi8-r')), 'koi8-r');
  assert.equal(detectEncoding(iconv.encode(caps, 'windows-1251')), 'windows-1251');
});

test('the delimiter: the most frequent outside quotes; a decimal comma is not one', () => {
  assert.equal(detectDelimiter('a;b;c'), ';');
  assert.equal(detectDelimiter('a,b,c'), ',');
  assert.equal(detectDelimiter('a\tb\tc'), '\t');
  assert.equal(detectDelimiter('"x;y;z",b,c'), ',');
  assert.equal(detectDelimiter('01.06.2026;1500,00;15,00'), ';');
  assert.equal(detectDelimiter('single'), ';');
});

test('the kind of a file: empty, xlsx (a zip), binary, text', () => {
  assert.equal(fileKind(new Uint8Array()), 'empty');
  assert.equal(fileKind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14])), 'xlsx');
  assert.equal(fileKind(Buffer.from([0x41, 0x00, 0x42])), 'binary');
  assert.equal(fileKind(Buffer.from('a;b\r\nc;d\n')), 'text');
});
