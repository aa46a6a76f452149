import { Layout } from './layout.tsx';

export function ErrorPage(props: { supplierName: string; title: string; message: string; back?: string }) {
  return (
    <Layout title={props.title} supplierName={props.supplierName}>
      <section class="panel">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href={props.back ?? '/'}>Вернуться на главную страницу</a>
        </p>
      </section>
    </Layout>
  );
}
