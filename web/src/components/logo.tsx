/** Kindling's flame, drawn inline (no image request, no emoji font needed). */

export function Logo({ size = 18 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M8 1c1 3 5 5 5 9a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3-1-3 0-6 1-8z" fill="#e8590c" />
    </svg>
  );
}
