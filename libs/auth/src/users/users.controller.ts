import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Idempotent, Created, UpdatedAtEtag } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { uuidParam } from '../uuid-param';
import { Authenticated } from '../authenticated.decorator';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import { ROLES } from '../principal';
import { UserCreateDto, UserDto, UserListQueryDto, UserPageDto, UserUpdateDto } from './user.dto';
import { UsersService } from './users.service';

/** Admin user management, and `GET /v1/users/me` for every signed-in user. */
@ApiTags('users')
@Authenticated()
@Controller({ path: 'users', version: '1' })
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @Created(UserDto, (u) => `/v1/users/${u.id}`)
  @ApiProblems(AuthProblems.emailTaken)
  create(@Body() body: UserCreateDto): Promise<UserDto> {
    return this.users.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List users, oldest first (admin)' })
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: UserListQueryDto): Promise<UserPageDto> {
    return this.users.list(query.limit ?? 20, query.cursor);
  }

  @Get('me')
  @Authenticated({ roles: [...ROLES], apiKeys: false })
  @ApiOperation({ summary: 'The signed-in user’s own account (user tokens only)' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return this.users.getOwn(principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user (admin)' })
  @ApiOkResponse({ type: UserDto })
  @UpdatedAtEtag()
  @ApiProblems(AuthProblems.userNotFound)
  get(@Param('id', uuidParam('id')) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Change roles, links, password or disable a user (admin); may end their sessions' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(AuthProblems.userNotFound, AuthProblems.emailTaken)
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: UserUpdateDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserDto> {
    return this.users.update(id, body, principal);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (admin); their sessions end and their access tokens are refused at once' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, AuthProblems.userNotFound)
  async delete(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.users.delete(id);
  }
}
