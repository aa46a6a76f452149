// The "Печать" button of print views: shown only with JavaScript (without it, the browser's own print works).
(function () {
  'use strict';
  document.querySelectorAll('.js-print').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      window.print();
    });
  });
})();
