/** Messages in the page: an error the user should read (announced to screen readers), or a hint. */
import type { ComponentChildren } from 'preact';
import { errorMessage } from '../api.ts';

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div class="notice notice-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {errorMessage(error)}
    </div>
  );
}

export function Hint({ children }: { children: ComponentChildren }) {
  return <p class="notice notice-hint">{children}</p>;
}
