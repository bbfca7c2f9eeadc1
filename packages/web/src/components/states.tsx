// Loading, error and empty states shared by every page.
import type { ComponentChildren } from 'preact';

export function Loading({ what }: { what: string }) {
  return <p class="state loading" role="status" aria-live="polite">Loading {what}…</p>;
}

export function ErrorState({ error, retry, what }: { error: Error & { code?: string }; retry?: () => void; what: string }) {
  return (
    <div class="state error" role="alert">
      <p><strong>Could not load {what}.</strong> {error.message}</p>
      {error.code !== undefined && <p><code>{error.code}</code></p>}
      {retry !== undefined && <button type="button" onClick={retry}>Retry</button>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}
