package main

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
)

// benchCase is one whole process timed by alternate: setup runs untimed
// before each start.
type benchCase struct {
	name  string
	setup func()
	dir   string
	env   []string
	argv  []string
}

// alternate runs every case once per round, in turn, for benchRounds
// rounds, so that whatever drifts on the machine (writeback of the page
// cache, a neighbour's load) falls on sei and its peer alike; sequential
// runs of one case then the other measured differences of 1.7 s against a
// 1.8 s command on this VM. Each case is then a sub-benchmark whose ns/op
// is the median (min_ns and max_ns beside it) and maxrss_KiB the largest
// peak RSS of the measured process.
func alternate(b *testing.B, cases []benchCase) { alternateN(b, benchRounds(), cases) }

// alternateN is alternate for a given number of rounds.
func alternateN(b *testing.B, rounds int, cases []benchCase) {
	wall := make([][]float64, len(cases))
	rss := make([]float64, len(cases))
	for r := 0; r < rounds; r++ {
		for i, c := range cases {
			if c.setup != nil {
				c.setup()
			}
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Dir, cmd.Env = c.dir, c.env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			wall[i] = append(wall[i], float64(time.Since(start).Nanoseconds()))
			if err != nil {
				b.Fatalf("%s: %v: %v\n%s", c.name, c.argv, err, out)
			}
			rss[i] = max(rss[i], float64(cmd.ProcessState.SysUsage().(*syscallRusage).Maxrss))
		}
	}
	for i, c := range cases {
		w := slices.Clone(wall[i])
		slices.Sort(w)
		b.Run(c.name, func(b *testing.B) {
			b.ReportMetric(w[len(w)/2], "ns/op")
			b.ReportMetric(w[0], "min_ns")
			b.ReportMetric(w[len(w)-1], "max_ns")
			b.ReportMetric(rss[i], "maxrss_KiB")
		})
	}
}

// benchRounds is SEI_BENCH_ROUNDS, else 5: the median of five resists one
// outlier either way.
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("SEI_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 5
}

// warmPages writes n bytes to a fresh file in /dev/shm and deletes it, so
// the case that follows finds n bytes of just-freed memory. On the virtual
// machines we measure on, the host takes free guest memory back and a
// page touched again costs a fault on the host: a 2 GiB cp onto such
// pages took 4.3–6.5 s of system time against 0.6–0.7 s onto pages freed
// a moment before, so whichever case happened to need fresh pages paid for
// the VM (sei's restore most often: deleting a hard-linked output frees
// nothing). Shared-memory file pages are not the benchmark's RSS (a
// child's maxrss starts from its parent's). The file is made by
// CreateTemp, never a fixed name a neighbour could plant a link at.
// Without /dev/shm it does nothing and the figures are noisier.
func warmPages(n int64) {
	f, err := os.CreateTemp("/dev/shm", "sei-bench-warm-*")
	if err != nil {
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 1<<20)
	for left := n; left > 0; left -= int64(len(buf)) {
		if _, err := f.Write(buf[:min(int64(len(buf)), left)]); err != nil {
			return
		}
	}
}
