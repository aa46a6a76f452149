import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeSurname, surnamesMatch } from './surname.ts';

test('inner spaces collapse to one, and stay a space', () => {
  assert.equal(normalizeSurname('Римский \u00a0 Корсаков'), 'римский корсаков');
  assert.equal(normalizeSurname('Ким\tЮ'), 'ким ю');
  assert.ok(surnamesMatch('Римский   Корсаков', 'римский корсаков'));
  assert.ok(!surnamesMatch('Римский Корсаков', 'РимскийКорсаков'));
});
