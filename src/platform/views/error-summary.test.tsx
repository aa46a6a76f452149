import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToString } from 'preact-render-to-string';
import { ErrorSummary } from './error-summary.tsx';

test('a refusal: a focused summary with the form’s message and a link to each field in error', () => {
  const html = renderToString(
    <ErrorSummary
      id="reading-errors"
      title="Показание не передано"
      formError="Счётчик снят с учёта"
      fields={[
        { field: 'reading-v1', message: 'Введите текущее показание.' },
        { field: 'reading-v2', message: '' },
        { field: 'reading-v3', message: 'У Вашего счётчика 5 цифр, а введено 6.' },
      ]}
    />,
  );
  assert.equal(
    html,
    '<div class="error-summary" id="reading-errors" role="alert" tabindex="-1" autofocus aria-labelledby="reading-errors-title">' +
      '<p class="error-summary-title" id="reading-errors-title">Показание не передано</p>' +
      '<p class="form-error">Счётчик снят с учёта</p>' +
      '<ul><li><a href="#reading-v1">Введите текущее показание.</a></li>' +
      '<li><a href="#reading-v3">У Вашего счётчика 5 цифр, а введено 6.</a></li></ul></div>',
  );
});

test('nothing refused: nothing rendered', () => {
  assert.equal(renderToString(<ErrorSummary id="x" title="t" fields={[]} />), '');
  assert.equal(
    renderToString(<ErrorSummary id="x" title="t" formError="" fields={[{ field: 'a', message: '' }]} />),
    '',
  );
});
