package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"seigarrena.dev/sei/atomicfile"
)

// browsers are the names headless Chromium goes by on PATH.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoBrowser says no Chromium was found for --format pdf.
var ErrNoBrowser = errors.New("--format pdf needs headless Chromium: install it (Debian: apt-get install chromium) or set SEI_CHROMIUM to its path; --format html gives the same report")

// FindBrowser is the Chromium to print with: explicit (SEI_CHROMIUM) when
// set, else the first of browsers on PATH.
func FindBrowser(explicit string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("SEI_CHROMIUM=%q: %w", explicit, err)
		}
		return p, nil
	}
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// PrintPDF renders page through browser into dst. The browser runs on a
// private profile in a temporary directory, offline (the page needs
// nothing from the network), and dst appears only when the PDF is whole.
// The PDF's dates become asOf's (YYYY-MM-DD, midnight UTC): the same page,
// browser and fonts give the same bytes.
func PrintPDF(ctx context.Context, browser string, page []byte, dst, asOf string) error {
	tmp, err := os.MkdirTemp("", "sei-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src, pdf := filepath.Join(tmp, "report.html"), filepath.Join(tmp, "report.pdf")
	if err := os.WriteFile(src, page, 0o600); err != nil {
		return err
	}
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage",
		"--user-data-dir=" + filepath.Join(tmp, "profile"), "--no-pdf-header-footer", "--print-to-pdf=" + pdf}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses to start its sandbox as root
	}
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+src)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("report: %s printing the PDF: %w\n%s", browser, err, tail(out.Bytes(), 2000))
	}
	data, err := os.ReadFile(pdf)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		return fmt.Errorf("report: %s wrote no PDF\n%s", browser, tail(out.Bytes(), 2000))
	}
	return atomicfile.Write(dst, stampDates(data, asOf), 0o644)
}

// pdfDate is a date entry of a PDF's information dictionary as Skia writes
// it: 14 digits, then the zone. Compiled on first use, not in every
// command's start-up.
var pdfDate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/(CreationDate|ModDate) \(D:[0-9]{14}`) })

// stampDates replaces the wall-clock time of the PDF's dates with asOf at
// midnight, digit for digit, so that no byte offset in the file moves.
func stampDates(pdf []byte, asOf string) []byte {
	day := strings.ReplaceAll(asOf, "-", "")
	if len(day) != 8 {
		return pdf
	}
	return pdfDate().ReplaceAllFunc(pdf, func(m []byte) []byte {
		out := append([]byte(nil), m[:len(m)-14]...)
		return append(out, day+"000000"...)
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
