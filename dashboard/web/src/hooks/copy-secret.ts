import { useRef, useState } from 'preact/hooks';

/**
 * A secret shown once, with a copy button: the clipboard API needs a secure context (HTTPS or loopback); elsewhere the
 * shown text is selected for Ctrl+C and `copied` says 'failed' so the panel can tell the user to copy it by hand.
 */
export function useCopySecret() {
  const code = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      const range = document.createRange();
      if (code.current) range.selectNodeContents(code.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied('failed');
    }
  };
  return { code, copied, copy };
}
