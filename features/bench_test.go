package features

import (
	"fmt"
	"io"
	"runtime/metrics"
	"testing"

	"github.com/cucumber/godog"

	"github.com/simhttp/simhttp/internal/cputime"
)

// BenchmarkBundledFeatures runs every bundled scenario once per iteration
// and reports how many scenarios run per second of wall time.
func BenchmarkBundledFeatures(b *testing.B) {
	c, err := loadCatalog(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	scenarios := 0
	for _, f := range c.files {
		scenarios += len(f.pickles)
	}
	b.ResetTimer()
	for range b.N {
		s := &suite{catalog: c, seed: 1}
		s.run(godog.Options{Format: "progress", Output: io.Discard}, s.runnable())
	}
	b.ReportMetric(float64(scenarios*b.N)/b.Elapsed().Seconds(), "scenarios/s")
}

// BenchmarkSweep sweeps b.N seeds of the bundled @sweep scenarios on one
// worker and on two and reports seeds per second of wall time; on an idle
// 2-core machine jobs=2 should reach 1.8x jobs=1. It also reports the
// process's CPU per seed and the part of it the runtime spent collecting
// garbage and returning memory, which runs beside the workers: with one
// worker, cpu/(cpu-gc) estimates the cores it keeps busy.
func BenchmarkSweep(b *testing.B) {
	for _, jobs := range []int{1, 2} {
		b.Run(fmt.Sprint("jobs=", jobs), func(b *testing.B) {
			cpu, gc := cputime.Used(), runtimeCPU()
			ok, err := Sweep(SweepOptions{Seeds: [2]uint64{1, uint64(b.N)}, Jobs: jobs, Output: io.Discard, BatchGC: true})
			cpu, gc = cputime.Used()-cpu, runtimeCPU()-gc
			if err != nil || !ok {
				b.Fatalf("sweep of %d seeds: ok %v, %v", b.N, ok, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
			if cpu > 0 {
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/seed")
			}
			b.ReportMetric(gc*1e3/float64(b.N), "gc-cpu-ms/seed")
		})
	}
}

// runtimeCPU is the CPU the runtime has spent on garbage collection and on
// returning memory to the system, in seconds, as of the last collection.
func runtimeCPU() float64 {
	m := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/scavenge/total:cpu-seconds"}}
	metrics.Read(m)
	return m[0].Value.Float64() + m[1].Value.Float64()
}
