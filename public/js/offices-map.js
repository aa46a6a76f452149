// Progressive enhancement of the offices page: a map above the list, only when the browser is
// online and Leaflet loaded. Offline (or if tiles fail) the readable list stays as it is.
(function () {
  'use strict';
  function init() {
    var el = document.getElementById('offices-map');
    if (!el || !window.L || !navigator.onLine) return;
    var items = Array.prototype.slice.call(document.querySelectorAll('#offices-list .office[data-lat]'));
    if (items.length === 0) return;
    el.hidden = false;
    var map = window.L.map(el);
    var layer = window.L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
      maxZoom: 18,
      attribution: '&copy; участники OpenStreetMap',
    }).addTo(map);
    var failed = 0;
    layer.on('tileerror', function () {
      failed += 1;
      if (failed >= 4) el.hidden = true; // no tiles reachable: keep just the list
    });
    var bounds = [];
    items.forEach(function (li) {
      var lat = Number(li.getAttribute('data-lat'));
      var lon = Number(li.getAttribute('data-lon'));
      var title = li.querySelector('h2');
      var address = li.querySelector('dd');
      var popup = document.createElement('div');
      var strong = document.createElement('strong');
      strong.textContent = title ? title.textContent : '';
      popup.appendChild(strong);
      popup.appendChild(document.createElement('br'));
      popup.appendChild(document.createTextNode(address ? address.textContent : ''));
      window.L.marker([lat, lon]).addTo(map).bindPopup(popup);
      bounds.push([lat, lon]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
    window.addEventListener('offline', function () {
      el.hidden = true;
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
