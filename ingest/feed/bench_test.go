package feed

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/ingest/source"
)

// BenchmarkPoll1000Feeds polls 1,000 RSSHub-style Weibo feeds of 20 items
// each, served by one local httptest server, 32 at a time, each from an
// empty cursor (so every item is parsed and mapped). It reports feeds/s and
// items/s.
func BenchmarkPoll1000Feeds(b *testing.B) {
	const feeds, perFeed, workers = 1000, 20, 32
	bodies := make([][]byte, feeds)
	for i := range bodies {
		bodies[i] = benchFeed(i, perFeed)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/weibo/user/%d", &n)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(bodies[n%feeds])
	}))
	defer srv.Close()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var items atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					s, err := New(source.SourceConfig{Name: fmt.Sprintf("weibo-%d", i), Type: "rss",
						URL: fmt.Sprintf("%s/weibo/user/%d", srv.URL, i), Platform: "weibo"}, client)
					if err != nil {
						b.Error(err)
						return
					}
					s.SetClock(func() time.Time { return now })
					batch, err := s.Read(b.Context())
					if err != nil || len(batch.Mentions) != perFeed {
						b.Errorf("feed %d: %d mentions, %v", i, len(batch.Mentions), err)
						return
					}
					items.Add(int64(len(batch.Mentions)))
				}
			}()
		}
		for i := range feeds {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(feeds*b.N)/elapsed, "feeds/s")
	b.ReportMetric(float64(items.Load())/elapsed, "items/s")
}

func benchFeed(n, items int) []byte {
	var sb strings.Builder
	fmt.Fprintf(&sb, `<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel><title><![CDATA[用户%d的微博]]></title><link>https://weibo.com/%d/</link>
<description><![CDATA[Powered by RSSHub]]></description><generator>RSSHub</generator>`, n, n)
	for j := range items {
		pub := now.Add(-time.Duration(j+1) * 7 * time.Minute).Format(time.RFC1123)
		fmt.Fprintf(&sb, `<item><title><![CDATA[滨江区第%d条：望江路供水管道抢修进展通报，预计今晚恢复供水]]></title>
<description><![CDATA[【通报】滨江区第%d条：望江路供水管道抢修工作正在进行，预计今晚8时前恢复供水。请居民到临时供水点取水<span class="url-icon"><img alt="[加油]" src="https://h5.sinaimg.cn/m/emoticon/icon/others/h_jiayou.png" style="width:1em; height:1em;" /></span><br><a href="https://m.weibo.cn/search?containerid=231522">#滨江停水#</a><br><img src="https://wx3.sinaimg.cn/large/%d_%d.jpg" referrerpolicy="no-referrer"><br>]]></description>
<pubDate>%s</pubDate><guid isPermaLink="false">https://weibo.com/%d/P%06d%02d</guid><link>https://weibo.com/%d/P%06d%02d</link><author><![CDATA[用户%d]]></author></item>
`, j, j, n, j, pub, n, n, j, n, n, j, n)
	}
	sb.WriteString("</channel></rss>")
	return []byte(sb.String())
}
