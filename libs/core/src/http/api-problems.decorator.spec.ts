import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { defineProblemType } from '../errors/app-error';
import { ApiProblems } from './api-problems.decorator';

const API_RESPONSE_METADATA = 'swagger/apiResponse';

const widgetMissing = defineProblemType({
  code: 'TEST_WIDGET_MISSING',
  slug: 'test-widget-missing',
  status: 404,
  title: 'Widget missing',
  description: 'No such widget.',
});
const widgetBusy = defineProblemType({
  code: 'TEST_WIDGET_BUSY',
  slug: 'test-widget-busy',
  status: 409,
  title: 'Widget busy',
  description: 'Try later.',
});

@Controller('widgets')
class WidgetsController {
  @Get()
  @ApiOkResponse({ description: 'The widget' })
  @ApiProblems(widgetBusy)
  @ApiProblems(widgetMissing, 404, 409, 503)
  get(): string {
    return 'ok';
  }
}

type Responses = Record<string, { headers?: object; content: Record<string, { examples: Record<string, { value: { type: string } }> }> }>;

describe('@ApiProblems', () => {
  const responses = Reflect.getMetadata(API_RESPONSE_METADATA, WidgetsController.prototype.get) as Responses;
  const typesOf = (status: string) =>
    Object.values(responses[status].content['application/problem+json'].examples).map((e) => e.value.type);

  it('lists one example per problem type, a bare status standing for its generic type', () => {
    expect(typesOf('404')).toEqual(['/problems/test-widget-missing', '/problems/not-found']);
  });

  it('adds up several uses on one operation instead of the last one winning', () => {
    expect(typesOf('409').sort()).toEqual(['/problems/conflict', '/problems/test-widget-busy']);
    expect(responses['200']).toBeDefined();
  });

  it('documents Retry-After with a 503', () => {
    expect(Object.keys(responses['503'].headers ?? {})).toEqual(['Retry-After']);
  });

  it('refuses a status it has no generic problem type for', () => {
    expect(() => ApiProblems(418)).toThrow('no generic problem type for status 418');
  });
});
