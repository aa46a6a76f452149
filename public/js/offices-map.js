// Progressive enhancement of the offices page: a map above the list, only when the browser is
// online, Leaflet loaded and the tile server answers. Offline (or if tiles fail) the readable list
// stays as it is and no empty map box is ever shown.
(function () {
  'use strict';
  var TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
  // Tiles are fetched with our origin as referrer (the OSM tile policy asks for one); the page
  // itself sends none cross-site (Referrer-Policy: same-origin).
  var TILE_REFERRER_POLICY = 'strict-origin-when-cross-origin';
  var PROBE_TIMEOUT_MS = 8000;

  function offices() {
    var all = document.querySelectorAll('#offices-list .office[data-lat][data-lon]');
    return Array.prototype.slice.call(all).filter(function (li) {
      return isFinite(Number(li.getAttribute('data-lat'))) && isFinite(Number(li.getAttribute('data-lon')));
    });
  }

  /** Calls back once: true when one tile could be loaded, false on error or after a timeout. */
  function probeTiles(done) {
    var settled = false;
    var img = new Image();
    function finish(ok) {
      if (settled) return;
      settled = true;
      img.onload = img.onerror = null;
      done(ok);
    }
    var timer = window.setTimeout(function () {
      finish(false);
      img.src = ''; // stop waiting for it
    }, PROBE_TIMEOUT_MS);
    img.onload = function () {
      window.clearTimeout(timer);
      finish(true);
    };
    img.onerror = function () {
      window.clearTimeout(timer);
      finish(false);
    };
    img.referrerPolicy = TILE_REFERRER_POLICY;
    img.src = TILE_URL.replace('{z}', '0').replace('{x}', '0').replace('{y}', '0');
  }

  function drawMap(el, items) {
    var L = window.L;
    el.hidden = false;
    var map = L.map(el);
    var layer = L.tileLayer(TILE_URL, {
      maxZoom: 18,
      referrerPolicy: TILE_REFERRER_POLICY,
      attribution: '&copy; участники <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    }).addTo(map);
    var loaded = 0;
    var failed = 0;
    layer.on('tileload', function () {
      loaded += 1;
    });
    layer.on('tileerror', function () {
      failed += 1;
      if (loaded === 0 && failed >= 4) hide(); // the tile server went away after the probe
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
      L.marker([lat, lon], { title: li.getAttribute('data-name') || '' })
        .addTo(map)
        .bindPopup(popup);
      bounds.push([lat, lon]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });

    function hide() {
      el.hidden = true;
    }
    window.addEventListener('offline', hide);
    window.addEventListener('online', function () {
      el.hidden = false;
      map.invalidateSize();
    });
  }

  function init() {
    var el = document.getElementById('offices-map');
    if (!el || !window.L || navigator.onLine === false) return;
    var items = offices();
    if (items.length === 0) return;
    probeTiles(function (ok) {
      if (ok) drawMap(el, items);
    });
  }

  // After "load": a slow or unreachable tile server must not hold up the page's own loading.
  if (document.readyState === 'complete') init();
  else window.addEventListener('load', init);
})();
