// Package policy assesses the opinion risk of a draft policy document
// before it is published (重要政策文件出台前的舆情风险研判): "主动介入、
// 提前预警、分类处理", with the issuing unit as 第一解读部门.
//
// Assess reads a Draft (title, text, unit, planned release) and returns an
// Assessment:
//
//   - the hot-button subjects it touches (收费, 住房, 学区, 医保, 养老金,
//     拆迁 …) from a versioned list (subjects.yaml, embedded; LoadSubjects
//     reads another), each with the groups affected and the exact
//     sentences and terms that trigger it; and the generic risk clauses:
//     费用上升 (上调/提高 with an amount, or 由5元调整为8元), 施行期限,
//     义务与禁止 (不得, 禁止, 一律), 资格收紧 (不再, 仅限, 方可), 影响面广;
//   - similar past topics of the analytics store: the draft shares words
//     of their labels and of their mentions' keywords, weighted by
//     salience; a shared place name counts half and alone is not enough.
//     Each with its hourly peak, negative share, grade and first time;
//   - a risk level, 高, 中 or 低, with its evidence (below);
//   - likely questions: those asked in similar past topics
//     (evidence.Questions) and the templates of the subjects and clauses
//     triggered, as a Q&A skeleton with 【待填写】 answers;
//   - the points the interpretation must cover (改什么, 对谁, 何时起,
//     为什么, 过渡安排), each with the sentences that answer it or 缺失;
//   - a monitoring scheme for the release window, which compiles with
//     analyze/scheme.
//
// # Risk rule
//
// Points are added, each with a reason naming its sentence or topic:
//
//   - each subject touched: its weight (1–3), at most 6 in all;
//   - each risk clause present: its weight (费用上升 2, 资格收紧 2,
//     施行期限 1, 义务与禁止 1, 影响面广 1), and 1 more for a price rise of
//     30% or more;
//   - 1 when the draft raises costs or narrows eligibility but no
//     transition (过渡安排) is found;
//   - history, from the most telling similar past topic only: 2 for a
//     negative share of half or more (1 from 30%), 2 for grade I or II
//     (1 for III), at most 4.
//
// A score of 8 or more is 高, 4 or more 中, else 低. The evidence always
// holds at least one reason: when nothing is found it says so, and it
// says when no store was given (history not consulted, the level may be
// too low).
package policy
