package privacy

import (
	_ "embed"
	"strings"
)

// singleSurnames are about 400 common single-character surnames. Ones that
// are mostly function words in running text (和, 是, 在) are left out.
const singleSurnames = "" +
	"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤" +
	"常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋初门云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利呼揭尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭" +
	"钮郦雎鱼竺缑谯"

// compoundSurnames are the common two-character surnames.
var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "单于", "太史", "申屠", "万俟", "闻人", "澹台", "公冶", "宗政", "濮阳", "淳于", "仲孙", "钟离", "宰父", "谷梁", "拓跋", "左丘", "东郭", "梁丘", "闾丘", "羊舌", "微生", "公羊", "亓官", "司空", "司寇", "子车", "颛孙", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "段干", "赫连"}

// nameTriggers mark the people whose names must not be published: patients,
// the dead, victims, the injured and minors. Longer words come first.
var nameTriggers = []string{"遇难人员", "死亡人员", "受伤人员", "失踪人员", "未成年人", "遇难者", "遇害者", "受害人", "受害者", "未成年", "小学生", "中学生", "大学生", "幼儿园", "患者", "病人", "病患", "死者", "伤者", "伤员", "学生", "患儿", "幼儿", "儿童", "女童", "男童", "孕妇", "产妇"}

// connectors come between a trigger and the names it introduces.
var connectors = []string{"分别为", "分别是", "姓名为", "姓名", "名单如下", "名单为", "名单", "名叫", "包括", "：", ":", "为", "系", "是", "叫", " ", "\u3000"}

// masks stand for hidden characters of a name: 张某, 张XX, 张*, 张×.
const masks = "某XxＸｘ*＊×○〇？?"

// notGiven are characters that almost never occur in a given name; a
// candidate name containing one is ordinary text (学生安全, 患者家属).
const notGiven = "的了在等和与及是因被已都也均则就将把对从到去们个些这那其该此所内外数者属况部面员院校区市省县镇病症伤亡死救疗医护药置排考试情体群量宿舍食堂身份姓名龄性别住出失踪难害受患儿童未代寓请续绩规见度期间段节日月年次例位路街巷弄村"

// nameEnds may follow a name directly: 张三等, 张三因, 张三的.
const nameEnds = "等因在于被已经系现送入住的和与及今昨同称说表也均为出去不无当由突曾仍正从自将所家父母之后男女死伤遇目是抢受并年亦身向对到来还又就都才没未要会能可刚便即遂随再需把给让获得拨打发接找回返离进走持携驾骑乘坐站躺倒摔跌落溺遭患感确诊转参反提报"

//go:embed not_names.txt
var notNamesFile string

// notNames are ordinary words that look like a surname and a given name:
// not_names.txt, and words of public-affairs text it misses.
var notNames = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(notNamesFile, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	for _, w := range strings.Fields("平安 文明 明显 普遍 应当 应急 于是 向社会 马上 陆续 黄疸 高烧 高热 高中 高校 初中 金额 钱款 成功 成年 党员 干部 公寓 公交 宁静 严重 尚未 符合 舒适 季节 易感 齐全 施救 康复 温度 连续 车辆 项目 简历 司机 农村 阳性 尤其 解决 管理 路上 单位 关注 关心 左右 包括 白血病 石膏 江苏 广东 万分 方面 方案 安全 安置 安排 安抚 安慰 常规 常见 都是 由于 信息 相关 容易 印象 展开 智力 幸福 富裕 但是 居住 乐园 南方 商场 师生 景区 古代 华人 曲线 苗头 甘肃 童年 梅毒 雷电 龙头 史料 段落 江西 石家庄 田间 黄色 国家 原因 来自 元旦 海外 强制 门诊 云南 时候 全部 全体 米饭 谈话 查体 查看 查询 冷静 费用 卫生 宫颈 游泳 苏醒 房间 屈光 饶恕 解释 孔洞 汤药 温馨 明确 明天 明日 戴口罩 相继 支付 计划 宣传 晋升 索赔 平台 平稳 伍佰 贾氏 毕业 单独 阮氏 任意 任何 任务 余额 余下 杜绝 程度 申请 申报 欧洲 关键 焦虑 包含 祝福 柏油 殷切 詹姆斯 邵氏 于此 秦岭 华侨 鲍鱼 齐鲁 刁难 沙发 荣誉 桑拿 郎中 敖包 巩固 查明 麻醉 迟到 封闭 谈判 惠民 乐观 郁闷 胥吏 班级 储存 燕麦 楚楚 劳动 皮肤 满意 闻讯 位于 海南 花费 权益 强烈 帅气 屠宰 豆浆 盖章 练习 廉洁 井下 祖国 漆黑 巴士 丰富 支持 卿卿 国内 平均 计算 索取 宣布 晋级 相应 初步 门口 云端 容量 敬请 来源 都市 普及 浦东 戈壁 伏天 鹿角 薄弱 雍容 羊肉 阿姨 乌鲁木齐 母亲 母婴 修复 赫然 杭州 况且 那里 宿营 鲜血 印刷 隆重 茹素 诸多 战胜 慕名 危险 危重 玉米 银行 亢进 公司 公共 公布 哈尔滨 湛江 宾馆 戎装 勾选 茅台 利用 呼吸 居民 揭示 干预 尉氏 斯文 元气 束缚 衣物 信用 展示 阴性 智慧 幸存 奉献 植物 衡量 富有 由此 钮扣 鱼类 冀州 向外 向内 于今") {
		m[w] = true
	}
	return m
}()

var surnameSet = func() map[rune]bool {
	m := map[rune]bool{}
	for _, c := range singleSurnames {
		m[c] = true
	}
	return m
}()

// surnameLen is the length of the surname r starts with: 2 for a compound
// surname, 1 for a single one, 0 for none.
func surnameLen(r []rune) int {
	for _, c := range compoundSurnames {
		if hasPrefixAt(r, 0, c) {
			return 2
		}
	}
	if len(r) > 0 && surnameSet[r[0]] {
		return 1
	}
	return 0
}

// verbsNotGiven are verbs of reporting that follow a bare surname (张表示)
// and are no given name.
const verbsNotGiven = "表示 介绍 反映 说明 指出 认为 透露 告诉 回忆 坦言 提出 要求 希望 解释 证实 承认 否认 感谢 表达 强调 谈到 说道 讲述 描述 报警 报案 投诉 举报 来电 称其"

// titles after a surname are a way of naming someone that is not a full
// name (张先生, 李医生).
var titles = []string{"先生", "女士", "小姐", "老师", "医生", "护士", "同学", "师傅", "阿姨", "大爷", "大妈", "大姐", "大哥", "主任", "书记", "局长", "院长", "校长", "经理", "警官", "民警", "队长", "科长", "所长", "部长", "市长", "区长", "县长", "镇长", "村长", "老人", "某"}

// names finds unmasked names next to a trigger word: after it (患者张三,
// 死者分别为王建国、李四), or before it in brackets or with 系/为/是
// (刘洋（患儿）, 张三系本案受害人).
func (s *scanner) names() []Finding {
	r := s.r
	var out []Finding
	for i := 0; i < len(r); i++ {
		trig := ""
		for _, w := range nameTriggers {
			if hasPrefixAt(r, i, w) {
				trig = w
				break
			}
		}
		if trig == "" {
			continue
		}
		t, p := i, i+len([]rune(trig))
		if trig == "幼儿园" {
			i = p - 1
			continue
		}
		out = append(out, s.namesBefore(t)...)
		// connectors between the trigger and the name: 死者为, 患者姓名：
		for n := 0; n < 3; n++ {
			c := ""
			for _, w := range connectors {
				if hasPrefixAt(r, p, w) {
					c = w
					break
				}
			}
			if c == "" {
				break
			}
			p += len([]rune(c))
		}
		for isSpace(at(r, p)) {
			p++
		}
		for {
			end, masked, ok := parseName(r, p)
			if !ok {
				break
			}
			if !masked {
				out = append(out, Finding{Kind: KindName, Start: p, End: end})
			}
			// a list: 王建国、李小红和张三
			if c := at(r, end); c == '、' || c == '和' || c == '及' || c == '与' {
				p = end + 1
				continue
			}
			break
		}
		i = max(i, p-1)
	}
	return out
}

// parseName reads a name at r[p]: a surname and one or two given
// characters. masked reports a name hidden with 某, X or *; its end is
// after the mask.
func parseName(r []rune, p int) (end int, masked, ok bool) {
	for _, sl := range []int{2, 1} {
		if sl == 2 && surnameLen(r[p:]) != 2 || sl == 1 && !surnameSet[at(r, p)] {
			continue
		}
		q := p + sl
		if strings.ContainsRune(masks, at(r, q)) {
			for strings.ContainsRune(masks, at(r, q)) && q-p-sl < 3 {
				q++
			}
			return q, true, true
		}
		if titleAt(r, q) {
			return 0, false, false
		}
		for _, l := range []int{2, 1} {
			if givenName(r, p, q, l) {
				return q + l, false, true
			}
		}
		if sl == 2 {
			break // 欧阳 is not 欧 and a given name
		}
	}
	return 0, false, false
}

// givenName reports r[q:q+l] as a given name after the surname r[p:q].
func givenName(r []rune, p, q, l int) bool {
	for i := q; i < q+l; i++ {
		c := at(r, i)
		if !isHan(c) || strings.ContainsRune(notGiven, c) || strings.ContainsRune(masks, c) {
			return false
		}
	}
	if l == 2 && (titleAt(r, q+1) || strings.Contains(verbsNotGiven, string(r[q:q+2]))) {
		return false
	}
	after := at(r, q+l)
	if isHan(after) && !strings.ContainsRune(nameEnds, after) {
		return false
	}
	// 郭晋A00000 is a plate, 张三13812345678 a phone: a name ends before
	// Latin letters, digits and masks.
	if isAlnum(after) || strings.ContainsRune(masks, after) {
		return false
	}
	for e := p + 2; e <= q+l; e++ {
		if notNames[string(r[p:e])] {
			return false
		}
	}
	return true
}

func titleAt(r []rune, q int) bool {
	for _, t := range titles {
		if hasPrefixAt(r, q, t) {
			return true
		}
	}
	return false
}

// namesBefore finds a name before the trigger at t: 刘洋（患儿）,
// 李小红（受伤学生）, 张三系本案受害人.
func (s *scanner) namesBefore(t int) []Finding {
	r := s.r
	e := -1
	// in brackets: the name ends at the opening bracket
	for q := t - 1; q >= 0 && t-q <= 4; q-- {
		if c := r[q]; c == '（' || c == '(' {
			e = q
			break
		}
		if !isHan(r[q]) {
			break
		}
	}
	if e < 0 {
		q := t
		for _, m := range []string{"本案", "该案", "此次", "本次", "事故", "事件", "该校", "该院"} {
			if hasSuffixAt(r, q, m) {
				q -= len([]rune(m))
				break
			}
		}
		if c := at(r, q-1); c == '系' || c == '为' || c == '是' {
			e = q - 1
		}
	}
	if e < 1 {
		return nil
	}
	if strings.ContainsRune(masks, r[e-1]) {
		return nil
	}
	// longest first: a compound surname and two given characters, down to
	// a single surname and one
	for _, c := range [][2]int{{2, 2}, {1, 2}, {2, 1}, {1, 1}} {
		sl, l := c[0], c[1]
		p := e - sl - l
		if p < 0 {
			continue
		}
		if sl == 2 && surnameLen(r[p:]) != 2 || sl == 1 && !surnameSet[r[p]] {
			continue
		}
		if b := at(r, p-1); isHan(b) && !strings.ContainsRune("和与及者人生儿童为是系中即有名叫", b) {
			continue
		}
		if titleAt(r, p+sl) || !givenName(r, p, p+sl, l) {
			continue
		}
		return []Finding{{Kind: KindName, Start: p, End: e}}
	}
	return nil
}
