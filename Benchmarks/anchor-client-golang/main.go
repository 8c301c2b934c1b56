// The anchor for the query-metrics benchmarks: the same families, label sets and records as
// Benchmarks/QueryMetricsBenchmarks, done the idiomatic client_golang way. Built offline from
// Debian's golang-github-prometheus-client-golang-dev by scripts/bench; prints one line per
// figure, "name value unit".
package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// The exporter's default bounds (HistogramBuckets.defaultBounds).
var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400}

type record struct {
	warehouse, database, app, user, dag, task, dashboard, model, queryType, status, fingerprint string
	seconds, queue                                                                              float64
}

// makeRecord mirrors Corpus.record(index:) in the Swift benchmarks.
func makeRecord(i int) record {
	r := record{
		warehouse: "analytics", database: "db", app: "app" + strconv.Itoa(i%10),
		user: "user" + strconv.Itoa(i%200) + "@corp.com", dag: "dag" + strconv.Itoa(i%20),
		task: "task" + strconv.Itoa(i%10), queryType: []string{"select", "insert", "update"}[i%3],
		status: "success", fingerprint: fmt.Sprintf("%016x", i%100),
		seconds: float64((i*7919)%10000) / 100, queue: float64((i*104729)%1000) / 1000,
	}
	if i%3 == 0 {
		r.dashboard = "dash" + strconv.Itoa(i%50)
	}
	if i%5 == 0 {
		r.model = "model.shop.m" + strconv.Itoa(i%30)
	}
	if i%50 == 0 {
		r.status = "failed"
	}
	return r
}

type families struct {
	registry                   *prometheus.Registry
	duration, queue, statement *prometheus.HistogramVec
	execution                  *prometheus.CounterVec
}

func newFamilies() *families {
	return newFamiliesWith(0)
}

// newFamiliesWith makes the families; a native factor above 1 gives the duration and queue
// histograms native buckets too (1.09: schema 3, as the exporter's), with its bucket cap.
func newFamiliesWith(nativeFactor float64) *families {
	f := &families{registry: prometheus.NewRegistry()}
	f.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warehouse_query_duration_seconds", Help: "d", Buckets: buckets,
		NativeHistogramBucketFactor: nativeFactor, NativeHistogramMaxBucketNumber: 160},
		[]string{"warehouse", "database", "app", "user", "dag", "task", "dashboard", "model", "query_type", "status"})
	f.queue = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warehouse_query_queue_seconds", Help: "q", Buckets: buckets,
		NativeHistogramBucketFactor: nativeFactor, NativeHistogramMaxBucketNumber: 160},
		[]string{"warehouse", "database", "app", "user", "dag", "task", "dashboard", "model", "query_type"})
	f.statement = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "warehouse_statement_duration_seconds", Help: "s", Buckets: buckets},
		[]string{"warehouse", "app", "dag", "task", "dashboard", "model", "fingerprint"})
	f.execution = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "warehouse_query_execution_seconds_total", Help: "e"},
		[]string{"warehouse", "app", "user", "dag", "task", "dashboard", "model"})
	f.registry.MustRegister(f.duration, f.queue, f.statement, f.execution)
	return f
}

func (f *families) observe(r *record) {
	f.duration.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType, r.status).Observe(r.seconds)
	f.queue.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType).Observe(r.queue)
	f.statement.WithLabelValues(r.warehouse, r.app, r.dag, r.task, r.dashboard, r.model, r.fingerprint).Observe(r.seconds)
	f.execution.WithLabelValues(r.warehouse, r.app, r.user, r.dag, r.task, r.dashboard, r.model).Add(math.Max(0, r.seconds-r.queue))
}

// wideFamilies holds the series of (b): 5,000 databases x (duration + queue), one record each,
// with native buckets too when nativeFactor is above 1.
func wideFamilies(nativeFactor float64) *families {
	f := newFamiliesWith(nativeFactor)
	for i := 0; i < 5000; i++ {
		r := makeRecord(0)
		r.database = "db" + strconv.Itoa(i)
		f.duration.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType, r.status).Observe(r.seconds)
		f.queue.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType).Observe(r.queue)
	}
	return f
}

// medianRender renders the registry 30 times in a format: the median in microseconds, and the
// page's size.
func medianRender(f *families, format expfmt.Format) (float64, int) {
	var times []float64
	var size int
	for round := 0; round < 30; round++ {
		start := time.Now()
		size = len(renderAs(f, format))
		times = append(times, float64(time.Since(start).Microseconds()))
	}
	return median(times), size
}

// renderAs gathers and encodes the registry in a format, as promhttp does for one scrape.
func renderAs(f *families, format expfmt.Format) []byte {
	families, err := f.registry.Gather()
	if err != nil {
		panic(err)
	}
	var buffer bytes.Buffer
	encoder := expfmt.NewEncoder(&buffer, format)
	for _, family := range families {
		if err := encoder.Encode(family); err != nil {
			panic(err)
		}
	}
	if closer, ok := encoder.(expfmt.Closer); ok {
		if err := closer.Close(); err != nil {
			panic(err)
		}
	}
	return buffer.Bytes()
}

// residentBytes reads the resident set size from /proc/self/statm.
func residentBytes() int64 {
	data, _ := os.ReadFile("/proc/self/statm")
	fields := strings.Fields(string(data))
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func median(values []float64) float64 {
	sorted := append([]float64(nil), values...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j] < sorted[i] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	return sorted[len(sorted)/2]
}

func main() {
	// (a) ns per record: 10,000 distinct records, cycled, into families already holding their series.
	records := make([]record, 10000)
	for i := range records {
		records[i] = makeRecord(i)
	}
	f := newFamilies()
	for i := range records {
		f.observe(&records[i])
	}
	var perRecord []float64
	for round := 0; round < 30; round++ {
		start := time.Now()
		for i := range records {
			f.observe(&records[i])
		}
		perRecord = append(perRecord, float64(time.Since(start).Nanoseconds())/float64(len(records)))
	}
	fmt.Printf("observe_ns_per_record %.1f ns\n", median(perRecord))

	// (b) render 10,000 histogram series: 5,000 databases x (duration + queue), one record each.
	g := wideFamilies(0)
	micros, size := medianRender(g, expfmt.FmtText)
	fmt.Printf("render_10k_histograms_us %.0f us\n", micros)
	fmt.Printf("render_10k_histograms_bytes %d bytes\n", size)

	// (b') the same in OpenMetrics, and in the delimited protobuf format with native buckets beside
	// the classic ones (each series one observation, as in (b)).
	micros, _ = medianRender(g, expfmt.FmtOpenMetrics)
	fmt.Printf("render_10k_histograms_openmetrics_us %.0f us\n", micros)
	micros, size = medianRender(wideFamilies(1.09), expfmt.FmtProtoDelim)
	fmt.Printf("render_10k_histograms_protobuf_native_us %.0f us\n", micros)
	fmt.Printf("render_10k_histograms_protobuf_native_bytes %d bytes\n", size)

	// (c) resident memory per 100,000 histogram series: 50,000 databases x (duration + queue).
	g = nil
	runtime.GC()
	debug.FreeOSMemory()
	before := residentBytes()
	h := newFamilies()
	for i := 0; i < 50000; i++ {
		r := makeRecord(i)
		r.database = "db" + strconv.Itoa(i)
		h.duration.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType, r.status).Observe(r.seconds)
		h.queue.WithLabelValues(r.warehouse, r.database, r.app, r.user, r.dag, r.task, r.dashboard, r.model, r.queryType).Observe(r.queue)
	}
	runtime.GC()
	debug.FreeOSMemory()
	after := residentBytes()
	runtime.KeepAlive(h)
	fmt.Printf("resident_bytes_per_series %.0f bytes\n", float64(after-before)/100000)
}
