// Package chromiumtest starts a real headless Chromium for browser tests.
// Outside CI a missing browser skips the test; under CI=true it fails it
// (make test installs Debian's chromium).
package chromiumtest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path finds Debian's Chromium, or skips (fails under CI=true).
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH under CI=true: make test installs Debian's chromium (scripts/install-test-deps.sh)")
	}
	t.Skip("no Chromium on PATH (install Debian's chromium, or run make test as root to install it)")
	return ""
}

// New starts a headless Chromium with a fresh profile, flags as in
// RECIPES.md (no background networking: the test machine's network is
// closed). The browser stops when the test ends. The returned context has
// run once, so callers may derive timeouts from it.
func New(t testing.TB) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// Fresh is a new tab of browser (from New) with cookies and storage of its
// own, as another person's browser would have: cheaper than a second
// Chromium. It closes when the test ends.
func Fresh(t testing.TB, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a fresh browser context: %v", err)
	}
	return ctx
}
