package api

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
)

// openAPI collects the routes as they are registered and describes them as
// an OpenAPI 3.0 document, so the description cannot drift from the mux.
type openAPI struct {
	routes []apiRoute
}

type apiRoute struct {
	method, path string
	roles        []string
	body         any // a value of the type the request body is decoded into; nil: no body
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func (o *openAPI) add(pattern string, roles []string, body any) {
	method, path, _ := strings.Cut(pattern, " ")
	o.routes = append(o.routes, apiRoute{method: strings.ToLower(method), path: path, roles: roles, body: body})
}

// formBody is the body of a route that takes JSON or, alternatively, a
// multipart form: the same fields as form values, and File the name of
// the form's file field.
type formBody struct {
	Fields any
	File   string
}

var summaries = map[string]string{
	"get /api/v1/topics":                                 "热点话题（from、to 为 RFC 3339 时间，默认近 24 小时，按信息量排序；limit 条数；drill=1 含演练话题，默认不含）",
	"get /api/v1/topics/{id}/volume":                     "话题信息量随时间变化",
	"get /api/v1/mentions/{id}":                          "单条信息详情",
	"get /api/v1/mentions":                               "信息检索：q 关键词（标题或正文包含，英文不分大小写），topic、platform、sentiment 筛选，from、to 为 RFC 3339 时间（默认近 7 天；不限话题时最长 92 天），limit 每页条数（默认 50，最多 200），cursor 为上一页返回的 next；最新在前，返回 {items, next}",
	"get /api/v1/mentions/export":                        "导出检索结果（format=csv 或 xlsx，筛选条件同信息检索）：最新在前，最多 50000 条，超出时末行注明；CSV 带 UTF-8 BOM",
	"get /api/v1/clocks":                                 "正在计时的时限与已超时列表",
	"get /api/v1/reports/ontime":                         "各责任单位按时回应率",
	"get /api/v1/reports":                                "已生成的报表（日报、周报、月报、专报），最新在前，含下载链接",
	"post /api/v1/reports":                               "生成报表：kind（daily/weekly/monthly/incident）、from、to（日期含当日）、incident、formats（html/docx/pdf）、drill",
	"get /api/v1/reports/{id}":                           "报表元数据（参数、数据指纹、文件）与数据",
	"get /api/v1/reports/{id}/{format}":                  "下载报表文件（html、docx、pdf）",
	"get /api/v1/incidents":                              "全部事件",
	"get /api/v1/incidents/{id}":                         "事件详情与完整时间线",
	"post /api/v1/incidents":                             "建立事件（可关联预警、话题、信息）；该预警所属事件已有事件时不另建，关联到已有事件，返回其编号与 existing: true",
	"post /api/v1/incidents/{id}/grade":                  "定级或调整等级（须说明理由）",
	"post /api/v1/incidents/{id}/assign":                 "指派责任单位与牵头单位",
	"post /api/v1/incidents/{id}/acknowledge":            "确认收到提醒",
	"post /api/v1/incidents/{id}/publish":                "记录权威信息发布（时间、渠道、链接）",
	"get /api/v1/incidents/{id}/evidence":                "舆情证据：话题、关键帖子、网传说法、公众提问、逐小时声量与情感",
	"get /api/v1/incidents/{id}/effect":                  "回应效果：首次发布前后 6 小时、24 小时的声量、负面占比与新话题",
	"post /api/v1/incidents/{id}/drafts/{draft}/assist":  "写作助手：仅据已核实事实起草，返回正文与检查结果（不保存）",
	"get /api/v1/assistant":                              "写作助手是否启用",
	"get /api/v1/overview":                               "态势总览：近 N 小时声量（按小时、平台）、情感、平台占比、热点话题、时限完成情况",
	"get /api/v1/wording":                                "口径库检索（q、category、unit；all=1 列出全部）",
	"get /api/v1/wording/{wid}":                          "口径条目及其全部版本",
	"post /api/v1/wording":                               "新建口径（草稿）",
	"post /api/v1/wording/{wid}":                         "修改口径：正文或引用变化时形成新版本",
	"post /api/v1/wording/{wid}/approve":                 "批准口径版本（批准人不能是起草人）",
	"post /api/v1/wording/{wid}/retire":                  "停用口径",
	"get /api/v1/incidents/{id}/statements":              "发言人工作台：事实、稿件（含检查结果、版本差异、流转记录）",
	"post /api/v1/incidents/{id}/facts":                  "记录事实（责任单位提供或网传，含出处）",
	"post /api/v1/incidents/{id}/facts/{fact}/verify":    "核实事实（已核实、不实或待核实）",
	"post /api/v1/incidents/{id}/drafts":                 "起草稿件（无正文时按模板生成，已核实事实自动引用）",
	"put /api/v1/incidents/{id}/drafts/{draft}":          "保存稿件新版本（base 为所改版本）",
	"post /api/v1/incidents/{id}/drafts/{draft}/check":   "检查未保存的正文（引用、个人信息、待填写）",
	"post /api/v1/incidents/{id}/drafts/{draft}/submit":  "提交审核",
	"post /api/v1/incidents/{id}/drafts/{draft}/approve": "审核通过（审核人不能是起草人）",
	"post /api/v1/incidents/{id}/drafts/{draft}/return":  "退回修改（需理由）",
	"post /api/v1/incidents/{id}/drafts/{draft}/sign":    "签发（签发人不能是起草人或审核人）",
	"post /api/v1/incidents/{id}/drafts/{draft}/comment": "填写意见",
	"post /api/v1/incidents/{id}/drafts/{draft}/allow":   "放行个人信息（审核人记录理由）",
	"post /api/v1/incidents/{id}/drafts/{draft}/publish": "发布已签发的稿件（渠道、链接），停止发布权威信息时限",
	"post /api/v1/incidents/{id}/conference/schedule":    "安排新闻发布会",
	"post /api/v1/incidents/{id}/conference/hold":        "记录新闻发布会已召开",
	"post /api/v1/incidents/{id}/followup":               "记录持续发布",
	"post /api/v1/incidents/{id}/snooze":                 "暂停提醒（须说明理由；重大事件超时不可暂停）",
	"post /api/v1/incidents/{id}/close":                  "关闭事件并复盘",
	"post /api/v1/incidents/{id}/reopen":                 "重新打开事件",
	"get /api/v1/workorders/options":                     "工单表单选项：类别与时限、依申请公开的中止类型、答复结果及情形",
	"get /api/v1/workorders/{id}":                        "工单详情与工作日时限",
	"post /api/v1/workorders":                            "登记工单",
	"post /api/v1/workorders/{id}/sign":                  "签收工单",
	"post /api/v1/workorders/{id}/answer":                "答复工单",
	"post /api/v1/workorders/{id}/pause":                 "挂起工单（须说明理由）",
	"post /api/v1/workorders/{id}/resume":                "恢复工单",
	"post /api/v1/workorders/{id}/extend":                "批准延期",
	"get /api/v1/schemes":                                "监测方案列表",
	"put /api/v1/schemes/{id}":                           "新建或修改监测方案（版本递增）",
	"delete /api/v1/schemes/{id}":                        "删除监测方案",
	"post /api/v1/feedback/sentiment":                    "纠正情感判断（用于重新训练）",
	"get /api/v1/topics/{id}/mentions":                   "话题的信息流（最新在前），可按平台、情感筛选",
	"get /api/v1/topics/{id}/breakdown":                  "话题信息按小时、平台、情感的分布（from、to 为 RFC 3339 时间，默认近 24 小时，最长 31 天），供话题页走势图使用",
	"post /api/v1/feedback/relevance":                    "标记信息与监测方案不相关（或相关），用于改进方案",
	"get /api/v1/openapi.json":                           "本接口说明",
	"get /api/v1/policies":                               "政策舆情风险研判列表（最新在前）：标题、发文单位、风险等级、研判时间、发布时间",
	"post /api/v1/policies/assess":                       "研判政策草案：JSON {title, unit, release_at, text}，或 multipart 上传 file（.txt/.docx，不超过 5 MB）；返回研判结果及编号",
	"get /api/v1/policies/{id}":                          "研判详情：等级与依据、涉及领域、历史舆情、往期同类政策、可能提问、解读要点、监测方案；已发布的含发布后情况（after）",
	"get /api/v1/policies/{id}/export":                   "导出研判（format=md 或 json），含发布与发布后情况",
	"post /api/v1/policies/{id}/release":                 "标记政策已发布 {released_at, window_days}：按发布日启用监测方案 policy-<id>，默认监测 14 天",
	"get /api/v1/handover/draft":                         "交接班草稿：此刻交班将列出的未结事件、下一班结束前到期的时限（已超时在前）、未确认预警、失联信源；本班提前交班后为下一班的草稿（until 可指定交班时间，RFC 3339；该班次已交班时附 handed）",
	"get /api/v1/handovers":                              "交接班记录（最新在前，limit 默认 30）：交班人、接班人、签字时间与当时的交班单",
	"post /api/v1/handovers":                             "签字交班 {note, until}：note 为交班说明（需关注事项），交班单按此刻情况记录、此后不变；同一班次只交一次",
	"get /api/v1/handovers/{id}":                         "交接班详情",
	"post /api/v1/handovers/{id}/take":                   "签字接班 {remark}：须由交班人以外的值班员签字，每次交班只接一次",
}

func (o *openAPI) document() map[string]any {
	paths := map[string]map[string]any{}
	for _, r := range o.routes {
		op := map[string]any{
			"summary":   summaries[r.method+" "+r.path],
			"x-roles":   r.roles,
			"security":  []map[string][]string{{"session": {}}, {"bearer": {}}},
			"responses": responses(r.method),
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if body := requestBody(r.body); body != nil {
			op["requestBody"] = body
		}
		if paths[r.path] == nil {
			paths[r.path] = map[string]any{}
		}
		paths[r.path][r.method] = op
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "yuqing 舆情监测与回应 API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"session": map[string]string{"type": "apiKey", "in": "cookie", "name": "yuqing_session", "description": "登录后获得；修改类请求须带 X-CSRF-Token"},
			"bearer":  map[string]string{"type": "http", "scheme": "bearer", "description": "API 令牌"},
		}},
	}
}

func responses(method string) map[string]any {
	r := map[string]any{
		"200": map[string]string{"description": "成功"},
		"401": map[string]string{"description": "未登录"},
		"403": map[string]string{"description": "权限不足或 CSRF 校验失败"},
	}
	if method != "get" {
		r["400"] = map[string]string{"description": "请求内容无效"}
		r["409"] = map[string]string{"description": "违反处置规则，原因见 error"}
		r["503"] = map[string]string{"description": "未能写入事件日志，请重试"}
	}
	return r
}

// requestBody describes the body a route decodes into the type of v (a
// value or a pointer): its JSON schema, and for a formBody the multipart
// form too. A route without a body, or whose body has no fields, has none.
func requestBody(v any) map[string]any {
	form, isForm := v.(formBody)
	if isForm {
		v = form.Fields
	}
	if v == nil {
		return nil
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	schema := schemaOf(t, nil)
	if props, _ := schema["properties"].(map[string]any); len(props) == 0 {
		return nil
	}
	content := map[string]any{"application/json": map[string]any{"schema": schema}}
	if isForm {
		props := map[string]any{form.File: map[string]any{"type": "string", "format": "binary"}}
		for k, p := range schema["properties"].(map[string]any) {
			props[k] = p
		}
		content["multipart/form-data"] = map[string]any{"schema": map[string]any{"type": "object", "properties": props}}
	}
	// The body may be left out (decode takes none as {}); it is required
	// when some of its fields are.
	_, required := schema["required"]
	return map[string]any{"required": required, "content": content}
}

var timeType = reflect.TypeFor[time.Time]()

// schemaOf is the OpenAPI schema of the JSON encoding/json reads into a
// value of type t: a struct's fields by their JSON names (embedded
// structs flattened), time.Time a date-time string, a pointer nullable,
// and the fields tagged openapi:"required" required. seen holds the
// structs being described, to stop at a recursive type.
func schemaOf(t reflect.Type, seen map[reflect.Type]bool) map[string]any {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem(), seen)
		s["nullable"] = true
		return s
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), seen)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), seen)}
	case reflect.Struct:
		if seen[t] {
			return map[string]any{"type": "object"}
		}
		if seen == nil {
			seen = map[reflect.Type]bool{}
		}
		seen[t] = true
		defer delete(seen, t)
		props := map[string]any{}
		var required []string
		for _, f := range jsonFields(t) {
			props[f.name] = schemaOf(f.typ, seen)
			if f.required {
				required = append(required, f.name)
			}
		}
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		return s
	}
	return map[string]any{} // an interface: any JSON value
}

type jsonField struct {
	name     string
	typ      reflect.Type
	required bool
	depth    int
	tagged   bool
}

// jsonFields lists the fields encoding/json decodes into a struct of
// type t by name, as it does: embedded structs without a JSON name are
// flattened, a shallower field hides a deeper one of the same name, and a
// tagged one an untagged one at the same depth (two alike: neither).
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, depth+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			all = append(all, jsonField{name: name, typ: f.Type, required: f.Tag.Get("openapi") == "required", depth: depth, tagged: tag != ""})
		}
	}
	walk(t, 0)
	byName := map[string][]jsonField{}
	var names []string
	for _, f := range all {
		if byName[f.name] == nil {
			names = append(names, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, n := range names {
		fs := byName[n]
		sort.SliceStable(fs, func(i, j int) bool {
			if fs[i].depth != fs[j].depth {
				return fs[i].depth < fs[j].depth
			}
			return fs[i].tagged && !fs[j].tagged
		})
		if len(fs) > 1 && fs[0].depth == fs[1].depth && fs[0].tagged == fs[1].tagged {
			continue // ambiguous: encoding/json drops both
		}
		out = append(out, fs[0])
	}
	return out
}
