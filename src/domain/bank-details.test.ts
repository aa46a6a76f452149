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

test('shapes: anchored at both ends, and a long input quoted by its first characters only', () => {
  assert.match(kppProblem('X190101001')!, /не КПП/);
  assert.match(kppProblem('1901010019')!, /не КПП/);
  assert.match(bicProblem('0495146080')!, /не БИК/);
  const long = '1234567890123456789012345';
  assert.equal(innProblem(long), '«12345678901234567890» — не ИНН организации: нужно 10 цифр.');
  assert.match(kppProblem(long)!, /^«12345678901234567890» — не КПП/);
  assert.match(bicProblem(long)!, /^«12345678901234567890» — не БИК/);
});

test('the key a wrong account would need can be 9', () => {
  // 40702810951020110607 holds at BIC 049514608 (its 23-digit sum ends in 0, worked by hand).
  assert.equal(settlementAccountProblem('40702810951020110607', BIC), null);
  assert.match(settlementAccountProblem('40702810151020110607', BIC)!, /при этом БИК был бы 9\./);
});

test('accounts: 20 digits exactly, quoted by their first 30 characters, and not blamed for a wrong BIC', () => {
  assert.match(settlementAccountProblem('407028101710201106070', BIC)!, /нужно 20 цифр/);
  assert.match(settlementAccountProblem('X40702810171020110607', BIC)!, /нужно 20 цифр/);
  const long = '4070281017102011060712345678901234';
  assert.match(settlementAccountProblem(long, BIC)!, /^«407028101710201106071234567890» — не /);
  // A wrong BIC is its own problem (bicProblem), not the account's.
  assert.equal(settlementAccountProblem('40702810171020110615', '04951460A'), null);
  assert.match(
    settlementAccountProblem('40702810171020110615', BIC)!,
    /^Расчётный счёт «40702810171020110615» не сходится/,
  );
});
