import { Controller, Get, Param, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppError, problemTypes } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { ApiProblems } from './api-problems.decorator';
import { ProblemTypeDto } from './problem-type.dto';
import { Public } from './public.decorator';
import { SkipRateLimit } from '../rate-limit/rate-limit.decorators';

/** The catalogue every problem `type` URI resolves to. */
@ApiTags('platform')
@Public()
@SkipRateLimit()
@Controller({ path: 'problems', version: VERSION_NEUTRAL })
export class ProblemsController {
  @Get()
  @ApiOperation({ summary: 'List every problem type this API can answer with' })
  @ApiOkResponse({ type: [ProblemTypeDto], description: 'Every problem type, by slug' })
  list(): ProblemTypeDto[] {
    return problemTypes().map(toDto);
  }

  @Get(':slug')
  @ApiOperation({ summary: 'Describe one problem type' })
  @ApiOkResponse({ type: ProblemTypeDto })
  @ApiProblems(404)
  get(@Param('slug') slug: string): ProblemTypeDto {
    const found = problemTypes().find((p) => p.slug === slug);
    if (!found) throw new AppError(CoreProblems.notFound, `No problem type '${slug}'.`);
    return toDto(found);
  }
}

function toDto(p: ReturnType<typeof problemTypes>[number]): ProblemTypeDto {
  return { type: `/problems/${p.slug}`, code: p.code, status: p.status, title: p.title, description: p.description };
}
