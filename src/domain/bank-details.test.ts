import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bicProblem,
  corrAccountProblem,
  innCheckDigit,
  innProblem,
  kppProblem,
  settlementAccountProblem,
} from './bank-details.ts';

// The Bank of Russia's checks of a payee's details, on the seed's bill's account and bank.

const BIC = '049514608';

test('INN: ten digits whose last is the check digit', () => {
  assert.equal(innCheckDigit('770708389'), 3); // Sberbank's INN 7707083893
  assert.equal(innProblem('7707083893'), null);
  assert.equal(innProblem('1901000015'), null);
  assert.match(innProblem('1901000017')!, /контрольная цифра не сходится .* последняя — 5/);
  assert.match(innProblem('190100001')!, /нужно 10 цифр/);
  assert.match(innProblem('190100001512')!, /нужно 10 цифр/);
});

test('KPP and BIC: their shapes', () => {
  assert.equal(kppProblem('190101001'), null);
  assert.equal(kppProblem('7707AB001'), null);
  assert.match(kppProblem('19010100')!, /нужно 9 знаков/);
  assert.equal(bicProblem(BIC), null);
  assert.match(bicProblem('04951460A')!, /нужно 9 цифр/);
});

test("accounts: the seed's settlement account and its bank's correspondent account hold; one digit off does not", () => {
  assert.equal(settlementAccountProblem('40702810171020110607', BIC), null);
  assert.equal(corrAccountProblem('30101810500000000608', BIC), null);
  assert.match(
    settlementAccountProblem('40702810171020110615', BIC)!,
    /не сходится с БИК 049514608: контрольный ключ \(9-я цифра\) при этом БИК был бы 6/,
  );
  assert.equal(settlementAccountProblem('40702810671020110615', BIC), null);
  // The same account at another bank fails: the key binds the account to its BIC.
  assert.notEqual(settlementAccountProblem('40702810171020110607', '044525225'), null);
  assert.match(corrAccountProblem('30101810500000000609', BIC)!, /корреспондентский счёт/i);
  assert.match(settlementAccountProblem('4070281017102011060', BIC)!, /нужно 20 цифр/);
});
