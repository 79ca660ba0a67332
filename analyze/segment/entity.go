package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// Named entities are what tells one incident from another that happens at
// the same time: the place (临江区, 阳光小区, 东港化工厂), the organisation
// that answers for it (市应急管理局) and the casualty figures (3人死亡).
// They are found in the same cut as the tokens, from the dictionary's
// part-of-speech tags (ns place, nt organisation) and the suffixes that end
// Chinese place, facility and organisation names.

// Entity kinds, for display.
const (
	KindPlace    = "place"
	KindOrg      = "org"
	KindCasualty = "casualty"
	KindTag      = "tag" // #话题#
)

// Entity is a name found in a text.
type Entity struct {
	Text string `json:"text"`
	Kind string `json:"kind"`
}

// posClass is what a word can be in a name: its part of speech (place or
// organisation name) and whether it ends place or organisation names, in
// one map lookup.
type posClass uint8

const (
	posOther posClass = 0
	posPlace posClass = 1 << iota // ns
	posOrg                        // nt
	sufPlace                      // ends a place or facility name (区, 小区, 化工厂)
	sufOrg                        // ends an organisation's name (局, 派出所)
)

func (p posClass) name() posClass { return p & (posPlace | posOrg) }

func (p posClass) suffix() bool { return p&(sufPlace|sufOrg) != 0 }

// buildPOS collects the dictionary's place and organisation names and the
// name suffixes.
func buildPOS(d *gse.Dictionary) map[string]posClass {
	m := map[string]posClass{}
	for i := range d.Tokens {
		w := d.Tokens[i].Text()
		switch d.Tokens[i].Pos() {
		case "ns":
			if !notPlace[w] {
				m[w] = posPlace
			}
		case "nt":
			m[w] = posOrg
		}
	}
	for w := range placeSuffix {
		m[w] |= sufPlace
	}
	for w := range orgSuffix {
		m[w] |= sufOrg
	}
	return m
}

// suffix kinds: the last word of a name says what it names.
var placeSuffix, orgSuffix = func() (map[string]bool, map[string]bool) {
	p, o := map[string]bool{}, map[string]bool{}
	for _, w := range strings.Fields(`省 市 区 县 镇 乡 村 街道 社区 小区 路 街 大道 巷 花园 公寓 大厦 广场 园区 新区 开发区 工业园
		医院 卫生院 学校 中学 小学 大学 学院 幼儿园 工厂 化工厂 厂 公司 集团 车站 火车站 高铁站 机场 码头 港 大桥 桥 隧道 水库
		景区 酒店 宾馆 商场 超市 市场 煤矿 矿 电站 仓库 加油站 居民楼 大楼 楼 养老院 福利院 体育馆 寺 湖 河 江 山`) {
		p[w] = true
	}
	for _, w := range strings.Fields(`政府 人民政府 局 委员会 委 厅 部 办 办公室 派出所 法院 检察院 公安局 公安 管理局 监管局 应急管理局
		卫健委 教育局 街道办 居委会 村委会 支队 大队 消防队 中心 疾控中心 气象台 电视台 报社 协会`) {
		o[w] = true
	}
	return p, o
}()

// notPlace are everyday words gse's dictionary tags as place names (ns):
// 东西 "things", 城市 "city", 太大 "too big". As names they would tie
// unrelated posts together.
var notPlace = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`东西 城市 平原 外国 爱国 英雄 太阳 哥哥 海洋 湖泊 高原 上市 美丽 建国 江湖 王国 开国
		共和国 城镇 山区 大街 南北 太大 天门 长安 永乐 大桥 中原 华北 青 朝廷 江南`) {
		m[w] = true
	}
	return m
}()

// casualtyWords end a casualty figure: 3人死亡, 十二名工人受伤.
var casualtyWords = []string{"死亡", "遇难", "身亡", "罹难", "受伤", "伤亡", "失踪", "被困", "重伤", "轻伤", "失联"}

// TokensEntities is Tokens and the named entities of the text, in one cut.
func (s *Segmenter) TokensEntities(text string) (tokens []string, ents []Entity) {
	s.cut(text, func(st *state, folded string, words []string) {
		ents = names(st.pos, words)
		ents = casualties(folded, ents)
		ents = hashtags(folded, ents)
		tokens = st.tokens(words)
	})
	return tokens, ents
}

// names finds runs of words that form place and organisation names. A run
// is cut after each suffix, so 临江区东港化工厂 gives 临江区 and 东港化工厂.
func names(pos map[string]posClass, words []string) []Entity {
	var out []Entity
	var b strings.Builder
	kind, named, suffixed := "", false, false
	flush := func() {
		if name := b.String(); utf8.RuneCountInString(name) >= 2 && (suffixed || named) {
			out = appendEntity(out, Entity{Text: name, Kind: kind})
		}
		b.Reset()
		kind, named, suffixed = "", false, false
	}
	next := posOther
	if len(words) > 0 {
		next = pos[words[0]]
	}
	for i, w := range words {
		cls := next
		next = posOther
		if i+1 < len(words) {
			next = pos[words[i+1]]
		}
		switch {
		case b.Len() > 0 && (cls.name() != 0 || cls.suffix()):
			// continues the name
		case cls.name() != 0:
			// starts a name
		case next.suffix() && nameish(w) && (utf8.RuneCountInString(w) > 1 || !oneRune(words[i+1])):
			// a word before a suffix starts one (实验中学, 东港化工厂); one
			// character before a one-character suffix (成河, 变大楼) is
			// more often a verb than a name
		default:
			flush()
			continue
		}
		b.WriteString(w)
		switch {
		case cls&(sufOrg|posOrg) != 0:
			kind = KindOrg
		case kind == "":
			kind = KindPlace
		}
		named = named || cls.name() != 0
		if cls.suffix() && b.Len() > len(w) || cls&posPlace != 0 && endsAdmin(w) {
			suffixed = true
			flush()
		}
	}
	flush()
	return out
}

// endsAdmin is true for a place name that ends in an administrative unit
// (杭州市, 西湖区): a name of its own, not the start of a longer one.
func endsAdmin(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(w)
	return strings.ContainsRune("省市区县镇乡村州盟旗", r)
}

// nameish is a word that may start a name before a suffix: Chinese, not a
// function word.
func nameish(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if !unicode.Is(unicode.Han, r) || strings.ContainsRune("多几各这那该本每某全其此附周", r) {
		return false // 多个小区, 各学校, 这家医院, 附近小区: counted or pointed at, not named
	}
	_, stop := baseStop[w]
	return !stop
}

// casualties finds figures like 3人死亡 or 十二名工人受伤 in folded text.
func casualties(text string, out []Entity) []Entity {
	if !strings.ContainsAny(text, "亡难伤踪困联") { // the last character of every casualty word
		return out
	}
	for _, kw := range casualtyWords {
		from := 0
		for {
			k := strings.Index(text[from:], kw)
			if k < 0 {
				break
			}
			k += from
			from = k + len(kw)
			// Walk back over at most 4 runes of 人/名/位/工人…, then the number.
			j := k
			for n := 0; n < 4 && j > 0; n++ {
				r, size := utf8.DecodeLastRuneInString(text[:j])
				if isNumeral(r) {
					break
				}
				if !strings.ContainsRune("人名位个工村民学生群众游客乘客", r) {
					j = -1
					break
				}
				j -= size
			}
			if j <= 0 {
				continue
			}
			end := j
			for j > 0 {
				r, size := utf8.DecodeLastRuneInString(text[:j])
				if !isNumeral(r) {
					break
				}
				j -= size
			}
			if j == end {
				continue
			}
			out = appendEntity(out, Entity{Text: text[j:end] + "人" + kw, Kind: KindCasualty})
		}
	}
	return out
}

func isNumeral(r rune) bool {
	return r >= '0' && r <= '9' || strings.ContainsRune("零一二两三四五六七八九十百千", r)
}

// hashtags finds Weibo topics: #话题#.
func hashtags(text string, out []Entity) []Entity {
	for {
		i := strings.IndexByte(text, '#')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(text[i+1:], '#')
		if j < 0 {
			return out
		}
		tag := strings.TrimSpace(text[i+1 : i+1+j])
		if n := utf8.RuneCountInString(tag); n >= 2 && n <= 30 && !strings.ContainsAny(tag, "\n") {
			out = appendEntity(out, Entity{Text: "#" + tag + "#", Kind: KindTag})
			text = text[i+j+2:]
			continue
		}
		text = text[i+1:]
	}
}

func appendEntity(out []Entity, e Entity) []Entity {
	for _, x := range out {
		if x.Text == e.Text {
			return out
		}
	}
	return append(out, e)
}

func oneRune(w string) bool { return utf8.RuneCountInString(w) == 1 }
