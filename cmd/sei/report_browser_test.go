package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"seigarrena.dev/sei/report"
)

// browserFor is headless Chromium (Debian's chromium; SEI_CHROMIUM
// overrides). CI installs it: there its absence fails the test.
func browserFor(t *testing.T) string {
	t.Helper()
	b, err := report.FindBrowser(os.Getenv("SEI_CHROMIUM"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must install chromium (.ci/run does): %v", err)
		}
		t.Skipf("no Chromium: %v", err)
	}
	return b
}

// TestReportLoanInChromium renders the loan scenario's report after a red
// V1 and a green V2 (and an approval) in real headless Chromium: the page
// loads with no console error or exception, the matrix, the timeline, the
// graph and the nine Annex IV sections are in the DOM, and the PDF's text
// holds the headings and the gate verdict.
func TestReportLoanInChromium(t *testing.T) {
	browser := browserFor(t)
	dir := loanRepo(t, "dvc")
	if _, _, code := seiRun(t, "run", "--repo", dir); code != exitGateFail {
		t.Fatalf("V1: exit %d", code)
	}
	shell(t, dir, "git add -A && git commit -qm 'run: V1 (red)'")
	md, _, code := seiRun(t, "report", "--repo", dir, "--format", "md")
	if code != 0 {
		t.Fatalf("V1 report: exit %d", code)
	}
	mustContain(t, "V1 report", md, "Gate: FAIL (unfair-credit-exclusion)", "| unfair-credit-exclusion | risk.unfair-credit-exclusion | demographic\\_parity\\_diff | &lt; 0.03 |", "| FAIL")
	shell(t, dir, "cp "+abs(t, "../../testdata/loan/treatments/train_v2.py")+" train.py && git commit -qam 'treatment: V2'")
	if _, _, code := seiRun(t, "run", "--repo", dir); code != 0 {
		t.Fatalf("V2: exit %d", code)
	}
	shell(t, dir, "git add -A && git commit -qm 'run: V2 (green)'")
	if _, _, code := seiRun(t, "approver", "add", "--repo", dir, "--name", "Ada Auditor", "--email", "ada@example.org", "--key", dir+"/.sei/PUBKEY.txt"); code != 0 {
		t.Fatal("approver add failed")
	}
	shell(t, dir, "git add -A && git commit -qm 'approvers: Ada'")
	for _, act := range []string{"request", "approve"} {
		if _, _, code := seiRun(t, act, "--repo", dir); code != 0 {
			t.Fatalf("sei %s failed", act)
		}
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if _, _, code := seiRun(t, "report", "--repo", dir, "-o", page); code != 0 {
		t.Fatalf("report: exit %d", code)
	}
	again, _, _ := seiRun(t, "report", "--repo", dir)
	if first := fileText(t, page); again != first {
		t.Error("the same repository gave two different reports")
	}
	want := map[string]int{"#risk-matrix .risk.inherent": 2, "#risk-matrix .risk.residual": 2, "#risk-matrix .cell": 25,
		"#risk-matrix .treatment": 2, "#timeline .event.run": 2, "#timeline .event.treatment": 1, "#timeline .event.approve": 1,
		"#timeline .event.review-due": 1, "#pipeline-graph .node.stage": 2, "section.annex": 9, ".ci-bar .interval": 1,
		"#banner": 0, "tr.signature td.fail": 0}
	var queries []string
	for q := range want {
		queries = append(queries, q)
	}
	counts := inChromium(t, browser, page, append(queries, "tr.signature"))
	for q, n := range want {
		if counts[q] != n {
			t.Errorf("%s: %d element(s), want %d", q, counts[q], n)
		}
	}
	if counts["tr.signature"] < 5 { // PUBKEY.txt, the bundle, the lock, approvers.json, two acts
		t.Errorf("%d signatures listed, want at least 5", counts["tr.signature"])
	}
	checkPDF(t, dir)
	// After a drift the report says, first, that the evidence is not the tree's.
	shell(t, dir, "echo '# drift' >> train.py")
	md, _, _ = seiRun(t, "report", "--repo", dir, "--format", "md")
	mustContain(t, "report after a drift", md, "> **Warning:** The evidence does not describe the current tree", "stage:evaluate: Stale (B)")
}

// inChromium loads page and counts, per query, the elements the DOM holds;
// it fails on any console error or warning, browser log error or uncaught
// exception, and on a screenshot that is not a PNG of the whole page.
func inChromium(t *testing.T, browser, page string, queries []string) map[string]int {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1024))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // start the browser, so that Console sees the page from its first line
		t.Fatalf("chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	counts := map[string]int{}
	for _, q := range queries {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(q)+`).length`))
		if err != nil {
			t.Fatalf("chromium: %s: %v", q, err)
		}
		counts[q] = n
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || img.Bounds().Dx() < 800 || img.Bounds().Dy() < 2000 {
		t.Errorf("screenshot: %v: the page did not render whole", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`console.log("sei-test-done"), true`)); err != nil {
		t.Fatal(err)
	}
	for m, err := range messages {
		if err != nil {
			t.Fatalf("console: %v", err)
		}
		if m.Text == "sei-test-done" {
			break
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
			t.Errorf("chromium reported %s", m)
		}
	}
	return counts
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// checkPDF prints the report through Chromium and reads its text back with
// pdftotext (poppler-utils; CI installs it).
func checkPDF(t *testing.T, dir string) {
	pdf := filepath.Join(t.TempDir(), "annex-iv.pdf")
	again := filepath.Join(t.TempDir(), "again.pdf")
	for _, p := range []string{pdf, again} {
		if _, _, code := seiRun(t, "report", "--repo", dir, "--format", "pdf", "-o", p); code != 0 {
			t.Fatalf("report --format pdf: exit %d", code)
		}
		time.Sleep(1100 * time.Millisecond) // a second apart: the PDF's dates must not carry the clock
	}
	if fileText(t, pdf) != fileText(t, again) {
		t.Error("the same report printed twice gave two different PDFs")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must install poppler-utils for pdftotext (.ci/run does)")
		}
		t.Skip("no pdftotext: apt-get install poppler-utils")
	}
	out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for i, h := range []string{"1. General description of the AI system", "2. Elements of the system and its development process",
		"3. Monitoring, functioning and control", "4. Appropriateness of the performance metrics", "5. The risk management system (Article 9)",
		"6. Relevant changes over the lifecycle", "7. Harmonised standards", "8. EU declaration of conformity", "9. Post-market performance evaluation"} {
		if !strings.Contains(text, h) {
			t.Errorf("PDF: no Annex IV heading %d %q", i+1, h)
		}
	}
	mustContain(t, "PDF text", text, "Gate: PASS", "Technical documentation: loan-scoring 1.0.0")
}
