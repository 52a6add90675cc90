export const metadata = { title: 'authstage benchmark: Next.js peer' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
