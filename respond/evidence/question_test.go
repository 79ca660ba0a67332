package evidence

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

// leakPost is fixture post id.
func leakPost(id int) fpost {
	for _, p := range leakPosts {
		if p.id == id {
			return p
		}
	}
	panic(fmt.Sprintf("no fixture post %d", id))
}

func leakPostsByID(ids ...int) []fpost {
	var out []fpost
	for _, id := range ids {
		out = append(out, leakPost(id))
	}
	return out
}

func TestQuestions(t *testing.T) {
	for _, c := range []struct {
		name     string
		posts    []fpost
		noTokens bool       // as if the analyser had stored no words
		want     [][]string // mention IDs of each cluster, in order
		asks     []string   // a word each cluster's question holds
	}{
		{
			name:  "evacuation and going home",
			posts: leakPostsByID(1, 3, 8, 9, 10, 16, 17, 19, 20),
			want:  [][]string{{"weibo:8", "weibo:9", "weibo:16"}, {"weibo:10", "weibo:17"}, {"weibo:1"}},
			asks:  []string{"疏散", "回家", "泄漏"},
		},
		{
			name: "noise is not a question",
			posts: []fpost{
				{id: 1, text: "？？？[怒][怒]"}, {id: 2, text: "为什么？"}, {id: 3, text: "转发微博//@路人甲:为什么还不疏散居民？"},
				{id: 4, text: "真的假的？"}, {id: 5, text: "#东港化工厂泄漏# ？"}, {id: 6, text: "关注，希望大家平安"},
			},
		},
		{
			name:  "two questions in one post",
			posts: leakPostsByID(11, 18),
			want:  [][]string{{"weibo:11", "weibo:18"}, {"weibo:11"}},
			asks:  []string{"上学", "水源"},
		},
		{
			name:     "character pairs when the store has no words",
			posts:    leakPostsByID(10, 17, 12),
			noTokens: true,
			want:     [][]string{{"weibo:10", "weibo:17"}, {"weibo:12"}},
			asks:     []string{"回家", "违规"},
		},
		{
			name: "particles and question words",
			posts: []fpost{
				{id: 1, text: "化工厂今年还会不会继续生产吗"}, {id: 2, text: "谁来为受伤的工人负责呢"},
				{id: 3, text: "我们还在等消息呢"}, // 呢 ends it, but it asks nothing
			},
			want: [][]string{{"weibo:1"}, {"weibo:2"}},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := rows(t, c.posts)
			if c.noTokens {
				for i := range ms {
					ms[i].Tokens = nil
				}
			}
			slices.Reverse(ms) // the store lists newest first
			got := Questions(ms)
			var ids [][]string
			for _, q := range got {
				ids = append(ids, q.MentionIDs)
			}
			if !slices.EqualFunc(ids, c.want, slices.Equal) {
				t.Fatalf("clusters %v, want %v\n%+v", ids, c.want, got)
			}
			for i, w := range c.asks {
				if !strings.Contains(got[i].Question, w) || got[i].Count != len(c.want[i]) {
					t.Errorf("cluster %d: %q asked %d times, want it about %s", i, got[i].Question, got[i].Count, w)
				}
			}
		})
	}
}

func TestCopies(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	ms := []analytics.Mention{
		{ID: "a", PublishedAt: at(0), Text: "临江区东港化工厂附近传出刺鼻气味，好多人在往外跑，是不是泄漏了？#东港化工厂泄漏#"},
		{ID: "b", PublishedAt: at(1), Text: "转发微博//@路人甲:临江区东港化工厂附近传出刺鼻气味，好多人在往外跑，是不是泄漏了？"},
		{ID: "c", PublishedAt: at(2), Text: "临江区东港化工厂附近 传出刺鼻气味!!好多人在往外跑"},       // copied, other punctuation
		{ID: "d", PublishedAt: at(3), Text: "有人说“东港化工厂附近传出刺鼻气味”，我家就在旁边，什么也没闻到"}, // quotes 13 characters
		{ID: "e", PublishedAt: at(4), Text: "求真相"},
		{ID: "f", PublishedAt: at(5), Text: "求真相"},                // too short to be a copy
		{ID: "g", PublishedAt: at(6), Text: "#东港化工厂泄漏# 希望大家平安"},   // shares the tag only
		{ID: "h", PublishedAt: at(7), Text: "我家就在旁边，什么也没闻到，大家别慌"}, // quotes d's own words
	}
	got := copies(ms)
	want := []int{3, 0, 0, 1, 0, 0, 0, 0}
	if !slices.Equal(got, want) {
		t.Errorf("copies %v, want %v", got, want)
	}
}
