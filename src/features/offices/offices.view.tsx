import { Layout } from '../../platform/views/layout.tsx';
import type { Office } from './offices.repository.ts';

export function OfficesPage({ offices, supplierName }: { offices: Office[]; supplierName: string }) {
  return (
    <Layout
      title="Офисы обслуживания"
      supplierName={supplierName}
      crumbs={[
        { title: 'Главная', href: '/' },
        { title: 'Физическим лицам', href: '/individuals' },
        { title: 'Офисы' },
      ]}
      scripts={['vendor/leaflet/leaflet.js', 'js/offices-map.js']}
      styles={['vendor/leaflet/leaflet.css']}
    >
      <h1>Офисы обслуживания {supplierName}</h1>
      <p>Выберите ближайший офис: адреса, телефоны и часы работы.</p>
      {/* The map is drawn by a script only when the browser is online; the list below is always there. */}
      <div id="offices-map" class="offices-map" hidden role="region" aria-label="Карта офисов"></div>
      <ul class="offices" id="offices-list">
        {offices.map((o) => (
          <li
            class="office"
            data-lat={o.lat === null ? undefined : String(o.lat)}
            data-lon={o.lon === null ? undefined : String(o.lon)}
            data-name={o.name}
          >
            <h2>{o.name}</h2>
            <p class="muted">{o.branch}</p>
            <dl>
              <dt>Адрес</dt>
              <dd>{o.address}</dd>
              <dt>Телефоны</dt>
              <dd>{o.phones}</dd>
              <dt>Часы работы</dt>
              <dd>{o.hours}</dd>
            </dl>
          </li>
        ))}
      </ul>
      {offices.length === 0 && <p class="muted">Список офисов пока не заполнен.</p>}
    </Layout>
  );
}
