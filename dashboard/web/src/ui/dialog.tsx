import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A modal on the browser's own <dialog> (focus trap, Escape to close, backdrop); closing calls `onClose`. */
export function Dialog(p: { open: boolean; title: string; onClose: () => void; children: ComponentChildren; testid?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) d.showModal();
    if (!p.open && d.open) d.close();
  }, [p.open]);
  return (
    <dialog ref={ref} class="card dialog" data-testid={p.testid} onClose={p.onClose}>
      <h3>{p.title}</h3>
      {p.children}
    </dialog>
  );
}
