import { CABINET_CRUMBS, Layout, type SwitcherProps } from '../../platform/views/layout.tsx';
import type { HistoryModel } from './histories.service.ts';
import {
  ChargesHistory,
  HISTORY_TITLES as TITLES,
  PaymentsHistory,
  ReadingsHistory,
} from './histories.view.tsx';

/** One history whole (current and previous year, newest first): the main page's «Показать все». */
export function HistoryPage(p: {
  history: HistoryModel;
  supplierName: string;
  csrfToken: string;
  switcher?: SwitcherProps | undefined;
}) {
  const h = p.history;
  return (
    <Layout
      title={TITLES[h.kind]}
      supplierName={p.supplierName}
      crumbs={[...CABINET_CRUMBS, { title: TITLES[h.kind] }]}
      logout={{ csrfToken: p.csrfToken }}
      switcher={p.switcher}
    >
      {h.kind === 'payments' && <PaymentsHistory page payments={h.rows} />}
      {h.kind === 'readings' && <ReadingsHistory page readings={h.rows} zones={h.zones} />}
      {h.kind === 'charges' && <ChargesHistory page charges={h.rows} />}
      <p>
        <a href="/cabinet">Вернуться на главную страницу Личного кабинета</a>
      </p>
    </Layout>
  );
}
