// The lead's pages, loaded on demand (annotators' browsers never fetch them).

export { LeadTabs, SummaryCard, loadSummary } from './Tabs';
export { ReviewPage } from './Review';
export { QualityPageView, WorkerPageView } from './Quality';
export { MessagesPage } from './Messages';
export { QuestionsPage, OrderQuestions } from './Questions';
export { PausesPage } from './Pauses';
export { ProposalsAdmin } from './Proposals';
export { QualityReport, Results } from '../client/Results';
import '../../lead/lead.css';
